//! When a monthly schedule falls due. Pure date arithmetic, so the rules
//! (the last day in shorter months, "due today" counting as due) are tested
//! without a database or a clock.

use chrono::NaiveDate;

use crate::calendar::YearMonth;

/// The first due date on or after `today`: a schedule due today is due
/// today, not next month. In a month shorter than `day_of_month` it falls on
/// the month's last day.
pub fn next_due_date(today: NaiveDate, day_of_month: u32) -> NaiveDate {
    let this_month = YearMonth::of(today);
    let due = this_month.day_or_last(day_of_month);
    if due >= today {
        return due;
    }
    this_month.next().day_or_last(day_of_month)
}

/// Whole days from `today` to `due` (0 when due today).
pub fn days_until(today: NaiveDate, due: NaiveDate) -> i64 {
    (due - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn a_schedule_due_today_is_due_today() {
        let today = date(2026, 3, 15);
        assert_eq!(next_due_date(today, 15), today);
        assert_eq!(days_until(today, next_due_date(today, 15)), 0);
    }

    #[test]
    fn a_day_already_past_moves_to_next_month() {
        assert_eq!(next_due_date(date(2026, 3, 16), 15), date(2026, 4, 15));
        assert_eq!(next_due_date(date(2026, 3, 14), 15), date(2026, 3, 15));
    }

    #[test]
    fn day_31_falls_on_the_last_day_of_shorter_months() {
        assert_eq!(next_due_date(date(2026, 2, 1), 31), date(2026, 2, 28));
        assert_eq!(next_due_date(date(2028, 2, 1), 31), date(2028, 2, 29));
        assert_eq!(next_due_date(date(2026, 4, 30), 31), date(2026, 4, 30));
        assert_eq!(next_due_date(date(2026, 2, 28), 30), date(2026, 2, 28));
        assert_eq!(next_due_date(date(2028, 2, 29), 29), date(2028, 2, 29));
    }

    #[test]
    fn after_a_short_month_the_day_itself_comes_back() {
        // Day 31 fell on 2026-01-31; from 2026-02-01 it is due on the 28th,
        // and from 2026-03-01 on the 31st again.
        assert_eq!(next_due_date(date(2026, 1, 31), 31), date(2026, 1, 31));
        assert_eq!(next_due_date(date(2026, 3, 1), 31), date(2026, 3, 31));
        // Past the 30th of April, day 30 is next due on May 30th.
        assert_eq!(next_due_date(date(2026, 5, 1), 30), date(2026, 5, 30));
    }

    #[test]
    fn the_year_turns_over_in_december() {
        assert_eq!(next_due_date(date(2026, 12, 26), 25), date(2027, 1, 25));
        assert_eq!(days_until(date(2026, 12, 26), date(2027, 1, 25)), 30);
    }

    #[test]
    fn a_day_past_in_january_falls_on_the_end_of_february() {
        assert_eq!(next_due_date(date(2026, 1, 31), 30), date(2026, 2, 28));
        assert_eq!(days_until(date(2026, 1, 31), date(2026, 2, 28)), 28);
    }
}
