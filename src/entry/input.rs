//! Entry input as the client sends it, and its validation into values the
//! core trusts. Every failure names the field.

use async_graphql::{ID, InputObject, MaybeUndefined};

use crate::{
    entry::kind::EntryType,
    error::{AppError, AppResult},
    graphql::scalars::{Date, Money},
    ids::{CategoryId, LedgerId},
};

pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// At most this many other ledgers in `alsoAddTo`.
pub const MAX_COPIES: usize = 10;

#[derive(Clone, InputObject)]
pub struct EntryInput {
    #[graphql(name = "type")]
    pub entry_type: EntryType,
    pub amount: Money,
    pub date: Date,
    pub category_id: ID,
    pub payment: String,
    pub counterparty: String,
    pub memo: Option<String>,
    /// Other ledgers of the viewer to copy this entry into (matched by category name, else the fallback).
    #[graphql(default)]
    pub also_add_to: Option<Vec<ID>>,
}

/// Absent fields stay unchanged.
#[derive(InputObject)]
pub struct EntryPatch {
    #[graphql(name = "type")]
    pub entry_type: MaybeUndefined<EntryType>,
    pub amount: MaybeUndefined<Money>,
    pub date: MaybeUndefined<Date>,
    pub category_id: MaybeUndefined<ID>,
    pub payment: MaybeUndefined<String>,
    pub counterparty: MaybeUndefined<String>,
    pub memo: MaybeUndefined<String>,
}

/// A field that failed, for single errors and batch row reports alike.
#[derive(Clone, Debug)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }

    pub fn into_app_error(self, prefix: &str) -> AppError {
        AppError::bad_input(format!("{prefix}{}", self.field), self.message)
    }
}

pub fn check_amount(amount: Money) -> Result<i64, FieldError> {
    if amount.0 <= 0 || amount.0 > MAX_AMOUNT {
        return Err(FieldError::new(
            "amount",
            "금액은 1원 이상 1조 원 이하로 입력해 주세요.",
        ));
    }
    Ok(amount.0)
}

fn check_text(
    field: &'static str,
    raw: &str,
    max: usize,
    message: &'static str,
) -> Result<String, FieldError> {
    let text = crate::text::name(raw);
    let length = text.chars().count();
    if length == 0 || length > max || text.chars().any(char::is_control) {
        return Err(FieldError::new(field, message));
    }
    Ok(text)
}

pub fn check_payment(raw: &str) -> Result<String, FieldError> {
    check_text("payment", raw, 20, "결제 수단은 1~20자로 입력해 주세요.")
}

pub fn check_counterparty(raw: &str) -> Result<String, FieldError> {
    check_text("counterparty", raw, 50, "거래처는 1~50자로 입력해 주세요.")
}

/// An empty memo is no memo. A memo may run over several lines, so line
/// breaks and tabs are the control characters it keeps.
pub fn check_memo(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(memo) = raw.map(str::trim).filter(|memo| !memo.is_empty()) else {
        return Ok(None);
    };
    if memo.chars().count() > 500 {
        return Err(FieldError::new("memo", "메모는 500자까지 쓸 수 있습니다."));
    }
    let layout = |c: char| matches!(c, '\n' | '\r' | '\t');
    if memo.chars().any(|c| c.is_control() && !layout(c)) {
        return Err(FieldError::new(
            "memo",
            "메모에 쓸 수 없는 문자가 있습니다.",
        ));
    }
    Ok(Some(memo.to_owned()))
}

/// A history search: at most `MAX_SEARCH` characters, no control characters.
pub fn check_search(raw: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(search) = raw else { return Ok(None) };
    if search.chars().count() > MAX_SEARCH || search.chars().any(char::is_control) {
        return Err(FieldError::new(
            "filter.search",
            "검색어는 100자까지, 줄바꿈 없이 입력해 주세요.",
        ));
    }
    Ok(Some(search))
}

/// The longest search: as long as two counterparties, well under a memo.
pub const MAX_SEARCH: usize = 100;

/// A checked entry, not yet placed in a category row of its ledger.
#[derive(Clone, Debug)]
pub struct ValidEntry {
    pub entry_type: EntryType,
    pub amount: i64,
    pub date: chrono::NaiveDate,
    pub category: CategoryId,
    pub payment: String,
    pub counterparty: String,
    pub memo: Option<String>,
    pub also_add_to: Vec<LedgerId>,
}

impl EntryInput {
    /// Checks every field; the first failure wins.
    pub fn validate(&self) -> Result<ValidEntry, FieldError> {
        let amount = check_amount(self.amount)?;
        let category = CategoryId::parse(&self.category_id)
            .map_err(|_| FieldError::new("categoryId", "카테고리를 찾을 수 없습니다."))?;
        let payment = check_payment(&self.payment)?;
        let counterparty = check_counterparty(&self.counterparty)?;
        let memo = check_memo(self.memo.as_deref())?;
        let copies = self.also_add_to.as_deref().unwrap_or_default();
        if copies.len() > MAX_COPIES {
            return Err(FieldError::new(
                "alsoAddTo",
                "다른 가계부에는 10곳까지 함께 기록할 수 있습니다.",
            ));
        }
        let mut also_add_to = Vec::with_capacity(copies.len());
        for id in copies {
            // A made-up id is a ledger the viewer cannot see: FORBIDDEN later.
            also_add_to.push(LedgerId::parse(id).unwrap_or(LedgerId(0)));
        }
        Ok(ValidEntry {
            entry_type: self.entry_type,
            amount,
            date: self.date.0,
            category,
            payment,
            counterparty,
            memo,
            also_add_to,
        })
    }
}

/// A non-nullable field of a patch given as null.
pub fn no_null<T>(field: &'static str, value: &MaybeUndefined<T>) -> AppResult<()> {
    if value.is_null() {
        return Err(AppError::bad_input(
            format!("input.{field}"),
            "이 항목은 비울 수 없습니다.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EntryInput {
        EntryInput {
            entry_type: EntryType::Expense,
            amount: Money(12_000),
            date: Date(chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()),
            category_id: ID("3".into()),
            payment: " 카드 ".into(),
            counterparty: "편의점".into(),
            memo: Some("  ".into()),
            also_add_to: None,
        }
    }

    #[test]
    fn a_valid_input_is_trimmed_and_an_empty_memo_dropped() {
        let valid = input().validate().unwrap();
        assert_eq!(valid.payment, "카드");
        assert_eq!(valid.memo, None);
        assert_eq!(valid.category, CategoryId(3));
    }

    #[test]
    fn each_limit_names_its_field() {
        type Change = Box<dyn Fn(&mut EntryInput)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|i| i.amount = Money(0)), "amount"),
            (Box::new(|i| i.amount = Money(MAX_AMOUNT + 1)), "amount"),
            (Box::new(|i| i.payment = "가".repeat(21)), "payment"),
            (Box::new(|i| i.payment = " ".into()), "payment"),
            (
                Box::new(|i| i.counterparty = "가".repeat(51)),
                "counterparty",
            ),
            (Box::new(|i| i.memo = Some("가".repeat(501))), "memo"),
            (Box::new(|i| i.category_id = ID("x".into())), "categoryId"),
            (
                Box::new(|i| i.also_add_to = Some(vec![ID("1".into()); 11])),
                "alsoAddTo",
            ),
        ];
        for (change, field) in cases {
            let mut candidate = input();
            change(&mut candidate);
            assert_eq!(candidate.validate().unwrap_err().field, field);
        }
        let mut max = input();
        max.amount = Money(MAX_AMOUNT);
        max.memo = Some("가".repeat(500));
        assert!(max.validate().is_ok());
    }
}
