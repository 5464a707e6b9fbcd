//! The schedule inputs of the API, parsed into checked values. Field paths in
//! errors follow the request (`inputs.0.name`, `input.assignments.1.memberId`).

use async_graphql::{ID, InputObject, MaybeUndefined};

use crate::{
    entry::kind::EntryType,
    error::{AppError, AppResult},
    graphql::scalars::Money,
    ids::MemberId,
    schedule::values::{
        Share, check_assignee_list, check_shares_fit, parse_amount, parse_day_of_month, parse_name,
        parse_share,
    },
};

#[derive(InputObject)]
pub struct ScheduleInput {
    name: String,
    #[graphql(name = "type")]
    entry_type: EntryType,
    day_of_month: i32,
    amount: Option<Money>,
    assignments: Vec<AssignmentInput>,
}

/// Absent fields stay unchanged.
#[derive(InputObject)]
pub struct SchedulePatch {
    name: MaybeUndefined<String>,
    #[graphql(name = "type")]
    entry_type: MaybeUndefined<EntryType>,
    day_of_month: MaybeUndefined<i32>,
    /// An explicit null makes the amount variable.
    amount: MaybeUndefined<Money>,
    /// When given, replaces all assignments.
    assignments: MaybeUndefined<Vec<AssignmentInput>>,
}

#[derive(InputObject)]
pub struct AssignmentInput {
    member_id: ID,
    /// Null means a variable share.
    amount: Option<Money>,
}

/// A schedule's values, each checked on its own; the checks that need the
/// ledger (assignees are members) come after, in `resolvers`.
#[derive(Clone, Debug)]
pub struct ScheduleSpec {
    pub name: String,
    pub entry_type: EntryType,
    pub day_of_month: u8,
    pub amount: Option<i64>,
    pub shares: Vec<Share>,
}

impl ScheduleInput {
    pub fn parse(self, prefix: &str) -> AppResult<ScheduleSpec> {
        let spec = ScheduleSpec {
            name: parse_name(format!("{prefix}.name"), &self.name)?,
            entry_type: self.entry_type,
            day_of_month: parse_day_of_month(format!("{prefix}.dayOfMonth"), self.day_of_month)?,
            amount: self
                .amount
                .map(|amount| parse_amount(format!("{prefix}.amount"), amount.0))
                .transpose()?,
            shares: parse_assignments(&format!("{prefix}.assignments"), self.assignments)?,
        };
        check_shares_fit(&format!("{prefix}.assignments"), spec.amount, &spec.shares)?;
        Ok(spec)
    }
}

impl SchedulePatch {
    /// The schedule as it will be: `current` with the patch applied. A null
    /// for a field that cannot be null is BAD_USER_INPUT, as in `EntryPatch`.
    /// Returns whether the assignments were replaced.
    pub fn apply(self, prefix: &str, current: ScheduleSpec) -> AppResult<(ScheduleSpec, bool)> {
        let name = match required(prefix, "name", self.name)? {
            Some(name) => parse_name(format!("{prefix}.name"), &name)?,
            None => current.name,
        };
        let entry_type = required(prefix, "type", self.entry_type)?.unwrap_or(current.entry_type);
        let day_of_month = match required(prefix, "dayOfMonth", self.day_of_month)? {
            Some(day) => parse_day_of_month(format!("{prefix}.dayOfMonth"), day)?,
            None => current.day_of_month,
        };
        let amount = match self.amount {
            MaybeUndefined::Undefined => current.amount,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(amount) => {
                Some(parse_amount(format!("{prefix}.amount"), amount.0)?)
            }
        };
        let field = format!("{prefix}.assignments");
        let (shares, replaced) = match required(prefix, "assignments", self.assignments)? {
            Some(assignments) => (parse_assignments(&field, assignments)?, true),
            None => (current.shares, false),
        };
        // A new amount must still fit the shares that stay, and new shares
        // the amount: blame the field the client changed.
        let blamed = if replaced {
            field
        } else {
            format!("{prefix}.amount")
        };
        check_shares_fit(&blamed, amount, &shares)?;
        Ok((
            ScheduleSpec {
                name,
                entry_type,
                day_of_month,
                amount,
                shares,
            },
            replaced,
        ))
    }
}

/// A patch field that may be absent but not null.
fn required<T>(prefix: &str, name: &str, value: MaybeUndefined<T>) -> AppResult<Option<T>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Value(value) => Ok(Some(value)),
        MaybeUndefined::Null => Err(AppError::bad_input(
            format!("{prefix}.{name}"),
            "이 값은 비워 둘 수 없습니다.",
        )),
    }
}

/// The assignees with their shares. An id that cannot be a member's is not
/// a member: BAD_USER_INPUT, like any other non-member assignee.
fn parse_assignments(field: &str, assignments: Vec<AssignmentInput>) -> AppResult<Vec<Share>> {
    let shares = assignments
        .into_iter()
        .enumerate()
        .map(|(index, assignment)| {
            let member = MemberId::parse(&assignment.member_id).map_err(|_| {
                AppError::bad_input(
                    format!("{field}.{index}.memberId"),
                    "가계부 멤버에게만 일정을 나눌 수 있습니다.",
                )
            })?;
            let amount = assignment
                .amount
                .map(|amount| parse_share(format!("{field}.{index}.amount"), amount.0))
                .transpose()?;
            Ok(Share { member, amount })
        })
        .collect::<AppResult<Vec<_>>>()?;
    check_assignee_list(field, &shares)?;
    Ok(shares)
}
