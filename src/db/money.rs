//! Sums of money in SQL.

diesel::define_sql_function! {
    /// SUM over money. MySQL returns a DECIMAL, which diesel reads into i64
    /// (and reports as an error if it ever did not fit).
    #[aggregate]
    #[sql_name = "SUM"]
    fn sum_money(amount: diesel::sql_types::BigInt) -> diesel::sql_types::Nullable<diesel::sql_types::BigInt>;
}
