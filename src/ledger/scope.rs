//! The viewer's membership as a subquery, for reads scoped to one ledger:
//! `x::ledger_id.eq_any(viewer_ledger(ledger, viewer))` matches nothing for
//! a non-member, so the query itself carries the authorization even when the
//! caller already holds a `Ledger` value.

use diesel::prelude::*;

use crate::db::schema::ledger_members;

#[diesel::dsl::auto_type(no_type_alias)]
pub fn viewer_ledger(ledger: i64, viewer: i64) -> _ {
    ledger_members::table
        .filter(ledger_members::ledger_id.eq(ledger))
        .filter(ledger_members::member_id.eq(viewer))
        .select(ledger_members::ledger_id)
}
