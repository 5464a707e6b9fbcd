//! Filtering on a list of keys so that the statement stays prepared.
//!
//! diesel writes `column IN (?, ?, …)` with one placeholder per key, so it
//! cannot cache the statement and prepares and closes it on every call. The
//! usual list has one key (one ledger, one entry): written as `column = ?`,
//! its statement is prepared once per connection.

/// Loads `$query` filtered to rows whose `$column` is one of `$keys` (a
/// slice): `=` for one key, `IN` for more.
macro_rules! load_by_keys {
    ($query:expr, $column:expr, $keys:expr, $conn:expr) => {
        match $keys {
            [one] => $query.filter($column.eq(one)).load($conn).await,
            many => $query.filter($column.eq_any(many)).load($conn).await,
        }
    };
}

pub(crate) use load_by_keys;
