use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::categories;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::mysql::Mysql))]
pub struct CategoryRow {
    pub id: i64,
    pub ledger_id: i64,
    pub name: String,
    pub is_fallback: bool,
    pub created_at: NaiveDateTime,
}

/// What a category shows: the columns of the `Category` type only, so that
/// lists of entries decode no more per row than they answer with.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::mysql::Mysql))]
pub struct CategoryLabel {
    pub id: i64,
    pub name: String,
    pub is_fallback: bool,
}

impl From<CategoryRow> for CategoryLabel {
    fn from(row: CategoryRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            is_fallback: row.is_fallback,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub ledger_id: i64,
    pub name: &'a str,
    pub is_fallback: bool,
    pub created_at: NaiveDateTime,
}

/// A category name: trimmed, 1-30 characters.
pub fn parse_name(field: &'static str, raw: &str) -> crate::error::AppResult<String> {
    let name = crate::text::name(raw);
    let length = name.chars().count();
    if !(1..=30).contains(&length) || name.chars().any(char::is_control) {
        return Err(crate::error::AppError::bad_input(
            field,
            "카테고리 이름은 1~30자로 입력해 주세요.",
        ));
    }
    Ok(name)
}
