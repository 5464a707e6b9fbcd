//! The output types of `Ledger.analytics` and `Ledger.balances`.

use async_graphql::SimpleObject;

use crate::{
    category::types::Category,
    graphql::scalars::{Date, Money},
    member::types::Member,
    schedule::types::ScheduleShare,
};

#[derive(SimpleObject)]
pub struct DailyExpenses {
    pub days: Vec<DayAmount>,
    pub total: Money,
    pub previous_month_total: Money,
    pub diff_from_previous_month: Money,
}

#[derive(SimpleObject)]
pub struct DayAmount {
    pub date: Date,
    pub amount: Money,
}

#[derive(SimpleObject)]
pub struct MonthAmount {
    pub year: i32,
    pub month: u32,
    pub amount: Money,
}

#[derive(SimpleObject)]
pub struct BudgetComparison {
    pub budget: Option<Money>,
    pub spent: Money,
    /// Budget minus spent (negative when over budget); null without a budget.
    pub remaining: Option<Money>,
}

#[derive(SimpleObject)]
pub struct WeeklyExpenses {
    pub weeks: Vec<WeekAmount>,
    pub total: Money,
}

#[derive(SimpleObject)]
pub struct WeekAmount {
    pub start_date: Date,
    pub end_date: Date,
    pub amount: Money,
}

#[derive(SimpleObject)]
pub struct CategoryBreakdown {
    pub items: Vec<CategoryAmount>,
    /// The month's expense total, over all categories.
    pub total: Money,
}

#[derive(SimpleObject)]
pub struct CategoryAmount {
    /// Null for the bucket of all other categories.
    pub category: Option<Category>,
    pub name: String,
    pub amount: Money,
    /// Share of the month's total, 0.0-1.0.
    pub ratio: f64,
}

#[derive(SimpleObject)]
pub struct FixedCosts {
    pub items: Vec<ScheduleShare>,
    pub total: Money,
}

#[derive(SimpleObject)]
pub struct MemberBalance {
    pub member: Member,
    /// Paid for the ledger minus fair share; positive means the others owe
    /// this member.
    pub balance: Money,
}
