//! Zero-filled series of expense totals: per day, per 7-day bucket, per
//! month. Pure functions over (date, amount) sums, so the calendar rules are
//! tested without a database. Sums use checked arithmetic: None means an
//! overflow, which no real ledger reaches.

use chrono::{Days, NaiveDate};

use crate::{
    calendar::YearMonth,
    error::{AppError, AppResult},
};

/// Adds `amount` to `total`, failing loudly on overflow rather than wrapping.
pub fn add(total: i64, amount: i64) -> AppResult<i64> {
    total
        .checked_add(amount)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("money total overflows")))
}

/// The total of the sums whose date lies in `from..=to`.
pub fn total_between(sums: &[(NaiveDate, i64)], from: NaiveDate, to: NaiveDate) -> AppResult<i64> {
    sums.iter()
        .filter(|(date, _)| (from..=to).contains(date))
        .try_fold(0, |total, (_, amount)| add(total, *amount))
}

/// Every day of `month` with its total, zero when there is none.
pub fn days_of(month: YearMonth, sums: &[(NaiveDate, i64)]) -> AppResult<Vec<(NaiveDate, i64)>> {
    month
        .first_day()
        .iter_days()
        .take_while(|day| *day <= month.last_day())
        .map(|day| Ok((day, total_between(sums, day, day)?)))
        .collect()
}

/// `count` months ending at `last`, oldest first, each with its total.
pub fn months_until(
    last: YearMonth,
    count: u32,
    sums: &[(NaiveDate, i64)],
) -> AppResult<Vec<(YearMonth, i64)>> {
    let mut months = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
    let mut month = last;
    for _ in 0..count {
        months.push((
            month,
            total_between(sums, month.first_day(), month.last_day())?,
        ));
        month = month.previous();
    }
    months.reverse();
    Ok(months)
}

/// 7-day ranges from `start_day` of `month`; the last one ends on the
/// month's last day (and may be shorter). Days before `start_day` are in no
/// range. `start_day` outside the month is BAD_USER_INPUT.
pub fn weeks_of(month: YearMonth, start_day: i32) -> AppResult<Vec<(NaiveDate, NaiveDate)>> {
    let start = u32::try_from(start_day)
        .ok()
        .filter(|day| (1..=month.days()).contains(day))
        .and_then(|day| NaiveDate::from_ymd_opt(month.year, month.month, day))
        .ok_or_else(|| {
            AppError::bad_input(
                "startDay",
                format!("시작일은 1~{}일 중에서 골라 주세요.", month.days()),
            )
        })?;
    let last = month.last_day();
    let mut weeks = Vec::new();
    let mut from = Some(start);
    while let Some(week_start) = from.filter(|day| *day <= last) {
        let week_end = week_start
            .checked_add_days(Days::new(6))
            .map_or(last, |end| end.min(last));
        weeks.push((week_start, week_end));
        from = week_end.succ_opt();
    }
    Ok(weeks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn month(year: i32, month: i32) -> YearMonth {
        YearMonth::parse(year, month).unwrap()
    }

    #[test]
    fn every_day_of_the_month_is_listed_and_zero_filled() {
        let sums = [
            (date(2026, 1, 31), 999),
            (date(2026, 2, 1), 100),
            (date(2026, 2, 28), 50),
            (date(2026, 3, 1), 999),
        ];
        let days = days_of(month(2026, 2), &sums).unwrap();
        assert_eq!(days.len(), 28);
        assert_eq!(days[0], (date(2026, 2, 1), 100));
        assert_eq!(days[1], (date(2026, 2, 2), 0));
        assert_eq!(days[27], (date(2026, 2, 28), 50));
        assert_eq!(days_of(month(2028, 2), &[]).unwrap().len(), 29);
    }

    #[test]
    fn months_run_back_across_the_year_boundary() {
        let sums = [
            (date(2025, 11, 30), 7),
            (date(2025, 12, 1), 10),
            (date(2025, 12, 31), 5),
            (date(2026, 2, 3), 20),
        ];
        let months = months_until(month(2026, 2), 3, &sums).unwrap();
        let flat: Vec<(i32, u32, i64)> = months
            .iter()
            .map(|(month, amount)| (month.year, month.month, *amount))
            .collect();
        assert_eq!(flat, vec![(2025, 12, 15), (2026, 1, 0), (2026, 2, 20)]);
        assert_eq!(months_until(month(2026, 2), 1, &sums).unwrap().len(), 1);
        assert_eq!(months_until(month(2026, 2), 24, &sums).unwrap().len(), 24);
    }

    #[test]
    fn weeks_are_seven_days_and_the_last_ends_with_the_month() {
        let weeks = weeks_of(month(2026, 3), 1).unwrap();
        assert_eq!(
            weeks,
            vec![
                (date(2026, 3, 1), date(2026, 3, 7)),
                (date(2026, 3, 8), date(2026, 3, 14)),
                (date(2026, 3, 15), date(2026, 3, 21)),
                (date(2026, 3, 22), date(2026, 3, 28)),
                (date(2026, 3, 29), date(2026, 3, 31)),
            ]
        );
        // February 2026 has exactly four weeks from the 1st.
        assert_eq!(weeks_of(month(2026, 2), 1).unwrap().len(), 4);
    }

    #[test]
    fn weeks_from_a_later_start_day_skip_the_days_before() {
        let weeks = weeks_of(month(2026, 2), 25).unwrap();
        assert_eq!(weeks, vec![(date(2026, 2, 25), date(2026, 2, 28))]);
        let weeks = weeks_of(month(2026, 4), 30).unwrap();
        assert_eq!(weeks, vec![(date(2026, 4, 30), date(2026, 4, 30))]);
        let weeks = weeks_of(month(2026, 1), 10).unwrap();
        assert_eq!(weeks.first(), Some(&(date(2026, 1, 10), date(2026, 1, 16))));
        assert_eq!(weeks.last(), Some(&(date(2026, 1, 31), date(2026, 1, 31))));
    }

    #[test]
    fn a_start_day_outside_the_month_is_bad_input() {
        for start in [0, -1, 29, 31] {
            assert!(
                matches!(
                    weeks_of(month(2026, 2), start),
                    Err(AppError::BadInput { .. })
                ),
                "{start}"
            );
        }
        assert!(weeks_of(month(2028, 2), 29).is_ok());
    }

    #[test]
    fn totals_overflow_loudly() {
        let sums = [(date(2026, 1, 1), i64::MAX), (date(2026, 1, 2), 1)];
        assert!(total_between(&sums, date(2026, 1, 1), date(2026, 1, 2)).is_err());
    }
}
