//! MySQL has no `RETURNING`: the id of a row just inserted is read back with
//! `LAST_INSERT_ID()` on the same connection, inside the same transaction.

use diesel_async::RunQueryDsl;

use crate::db::Conn;

diesel::define_sql_function! {
    /// MySQL's id of the last row this connection inserted.
    fn last_insert_id() -> diesel::sql_types::Unsigned<diesel::sql_types::BigInt>;
}

pub async fn fetch(conn: &mut Conn) -> diesel::QueryResult<i64> {
    let id: u64 = diesel::select(last_insert_id()).get_result(conn).await?;
    i64::try_from(id).map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))
}
