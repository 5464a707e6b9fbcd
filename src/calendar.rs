//! Calendar months: the unit of analytics, budgets and monthly schedules.
//! Month arithmetic lives here once, so that "January minus one month" is
//! December of the year before everywhere.

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{AppError, AppResult};

/// One calendar month, kept as its first day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth(NaiveDate);

impl YearMonth {
    /// A month as a client gives it (1-based); out of range is BAD_USER_INPUT.
    pub fn parse(year: i32, month: i32) -> AppResult<Self> {
        if !(1..=9999).contains(&year) {
            return Err(AppError::bad_input(
                "year",
                "연도는 1~9999 사이로 입력해 주세요.",
            ));
        }
        u32::try_from(month)
            .ok()
            .and_then(|month| NaiveDate::from_ymd_opt(year, month, 1))
            .map(Self)
            .ok_or_else(|| AppError::bad_input("month", "월은 1~12 사이로 입력해 주세요."))
    }

    /// The month `date` is in.
    pub fn of(date: NaiveDate) -> Self {
        Self(date.with_day(1).unwrap_or(date))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    pub fn month(self) -> u32 {
        self.0.month()
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.0
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(self.0)
    }

    pub fn length(self) -> u32 {
        self.last_day().day()
    }

    /// The month `delta` months later (earlier when negative); None only
    /// beyond chrono's calendar.
    pub fn shift(self, delta: i32) -> Option<Self> {
        let months = Months::new(delta.unsigned_abs());
        if delta >= 0 {
            self.0.checked_add_months(months).map(Self)
        } else {
            self.0.checked_sub_months(months).map(Self)
        }
    }

    /// Day `day` of the month, or the month's last day when it is shorter.
    pub fn day_or_last(self, day: u32) -> NaiveDate {
        self.0
            .with_day(day.clamp(1, self.length()))
            .unwrap_or(self.0)
    }

    /// Whether `date` falls in this month.
    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn months_are_validated() {
        assert!(YearMonth::parse(2026, 1).is_ok());
        assert!(YearMonth::parse(2026, 12).is_ok());
        for (year, month) in [(2026, 0), (2026, 13), (2026, -1), (0, 5), (10_000, 5)] {
            assert!(
                matches!(
                    YearMonth::parse(year, month),
                    Err(AppError::BadInput { .. })
                ),
                "{year}-{month}"
            );
        }
    }

    #[test]
    fn shifting_crosses_year_boundaries() {
        let january = YearMonth::parse(2026, 1).unwrap();
        let december = january.shift(-1).unwrap();
        assert_eq!((december.year(), december.month()), (2025, 12));
        assert_eq!(december.shift(1), Some(january));
        let earlier = january.shift(-23).unwrap();
        assert_eq!((earlier.year(), earlier.month()), (2024, 2));
        let later = YearMonth::parse(2026, 11).unwrap().shift(14).unwrap();
        assert_eq!((later.year(), later.month()), (2028, 1));
    }

    #[test]
    fn month_lengths_and_clamped_days() {
        let february = YearMonth::parse(2026, 2).unwrap();
        assert_eq!(february.last_day(), date(2026, 2, 28));
        assert_eq!(february.day_or_last(31), date(2026, 2, 28));
        let leap = YearMonth::parse(2028, 2).unwrap();
        assert_eq!(leap.length(), 29);
        assert_eq!(leap.day_or_last(31), date(2028, 2, 29));
        assert_eq!(YearMonth::parse(2026, 12).unwrap().length(), 31);
        assert!(february.contains(date(2026, 2, 28)));
        assert!(!february.contains(date(2026, 3, 1)));
        assert_eq!(
            YearMonth::of(date(2026, 7, 19)).first_day(),
            date(2026, 7, 1)
        );
    }
}
