//! The GraphQL views of schedules. A `Schedule` is built with everything its
//! fields show (ledger, creator, assignments), loaded for a whole list at
//! once, so resolving its fields runs no SQL.

use std::collections::HashMap;

use async_graphql::{ID, Object, SimpleObject};
use chrono::NaiveDate;

use crate::{
    entry::kind::EntryType,
    graphql::scalars::{Date, Money},
    ids::MemberId,
    ledger::types::Ledger,
    member::types::Member,
    schedule::{
        due::{days_until, next_due_date},
        model::ScheduleRow,
        queries::{AssignmentWithMember, ScheduleHead},
    },
};

pub struct Schedule {
    row: ScheduleRow,
    ledger: Ledger,
    creator: Member,
    assignments: Vec<ScheduleAssignment>,
    /// The viewer's share: None when not assigned, Some(None) when variable.
    my_share: Option<Option<i64>>,
    next_due: NaiveDate,
    days_until_due: i64,
}

#[derive(SimpleObject)]
pub struct ScheduleAssignment {
    member: Member,
    /// Null means a variable share.
    amount: Option<Money>,
}

impl Schedule {
    /// Puts the schedules together with their assignments, keeping the order
    /// of `heads`.
    pub fn assemble(
        heads: Vec<ScheduleHead>,
        assignments: Vec<AssignmentWithMember>,
        viewer: MemberId,
        today: NaiveDate,
    ) -> Vec<Schedule> {
        let mut by_schedule: HashMap<i64, Vec<AssignmentWithMember>> = HashMap::new();
        for assignment in assignments {
            by_schedule
                .entry(assignment.schedule_id)
                .or_default()
                .push(assignment);
        }
        heads
            .into_iter()
            .map(|head| {
                let assignments = by_schedule.remove(&head.row.id).unwrap_or_default();
                let my_share = assignments
                    .iter()
                    .find(|assignment| assignment.member.id == viewer.0)
                    .map(|assignment| assignment.amount);
                let next_due = next_due_date(today, head.row.day_of_month());
                Schedule {
                    ledger: Ledger::from((head.ledger, head.membership)),
                    creator: Member::from(head.creator),
                    assignments: assignments
                        .into_iter()
                        .map(|assignment| ScheduleAssignment {
                            member: Member::from(assignment.member),
                            amount: assignment.amount.map(Money),
                        })
                        .collect(),
                    my_share,
                    next_due,
                    days_until_due: days_until(today, next_due),
                    row: head.row,
                }
            })
            .collect()
    }

    pub fn row(&self) -> &ScheduleRow {
        &self.row
    }

    pub fn ledger_value(&self) -> &Ledger {
        &self.ledger
    }

    /// Swaps in the same ledger with its children prefetched.
    pub fn set_ledger(&mut self, ledger: Ledger) {
        self.ledger = ledger;
    }

    /// The viewer's share, counting a variable one as 0 (for totals).
    pub fn my_share_or_zero(&self) -> i64 {
        self.my_share.flatten().unwrap_or(0)
    }
}

#[Object]
impl Schedule {
    async fn id(&self) -> ID {
        self.row.schedule_id().into()
    }

    async fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    #[graphql(name = "type")]
    async fn entry_type(&self) -> EntryType {
        self.row.entry_type()
    }

    /// 1-31; in shorter months the schedule falls on the month's last day.
    async fn day_of_month(&self) -> u32 {
        self.row.day_of_month()
    }

    /// Null means a variable amount.
    async fn amount(&self) -> Option<Money> {
        self.row.amount.map(Money)
    }

    async fn creator(&self) -> &Member {
        &self.creator
    }

    async fn assignments(&self) -> &[ScheduleAssignment] {
        &self.assignments
    }

    /// The first due date from today on (today included), in the service's
    /// time zone.
    async fn next_due_date(&self) -> Date {
        Date(self.next_due)
    }

    /// Days from today to `nextDueDate`; 0 when due today.
    async fn days_until_due(&self) -> i64 {
        self.days_until_due
    }

    /// The viewer's share; null when variable or not assigned.
    async fn my_share(&self) -> Option<Money> {
        self.my_share.flatten().map(Money)
    }
}

/// One member's share of a schedule, as lists of the viewer's shares show it.
pub struct ScheduleShare(pub Schedule);

#[Object]
impl ScheduleShare {
    async fn schedule(&self) -> &Schedule {
        &self.0
    }

    /// The share; null when variable.
    async fn amount(&self) -> Option<Money> {
        self.0.my_share.flatten().map(Money)
    }

    async fn next_due_date(&self) -> Date {
        Date(self.0.next_due)
    }

    async fn days_until_due(&self) -> i64 {
        self.0.days_until_due
    }
}

#[derive(SimpleObject)]
pub struct ScheduleTotals {
    pub income_total: Money,
    pub expense_total: Money,
}
