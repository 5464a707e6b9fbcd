//! Calendar arithmetic shared by the views: months, their days, and checks
//! of client-given years and months.

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};

/// The years a client may name, in a date or as a year and month: a ledger
/// of household money has no use for others, and a bound keeps every
/// computed date far from chrono's limits.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// A month of a year, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn parse(year: i32, month: i32) -> AppResult<Self> {
        if !YEARS.contains(&year) {
            return Err(AppError::bad_input(
                "year",
                "연도는 1970~2100 사이여야 합니다.",
            ));
        }
        let month = u32::try_from(month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| AppError::bad_input("month", "월은 1~12 사이여야 합니다."))?;
        Ok(Self { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The given day of this month, or its last day in a shorter month.
    pub fn day_or_last(self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day.min(self.days()))
            .unwrap_or(self.last_day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: i32) -> YearMonth {
        YearMonth::parse(year, month).unwrap()
    }

    #[test]
    fn months_cross_year_boundaries() {
        assert_eq!(ym(2026, 1).previous(), ym(2025, 12));
        assert_eq!(ym(2025, 12).next(), ym(2026, 1));
    }

    #[test]
    fn month_lengths_include_leap_years() {
        assert_eq!(ym(2026, 2).days(), 28);
        assert_eq!(ym(2028, 2).days(), 29);
        assert_eq!(
            ym(2026, 12).last_day(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            ym(2026, 2).day_or_last(31),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
    }

    #[test]
    fn impossible_months_are_bad_input() {
        assert!(YearMonth::parse(2026, 0).is_err());
        assert!(YearMonth::parse(2026, 13).is_err());
        assert!(YearMonth::parse(0, 1).is_err());
    }
}
