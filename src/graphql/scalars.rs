//! The contract's scalars: `Date` ("YYYY-MM-DD"), `DateTime` (RFC 3339, UTC)
//! and `Money` (a whole amount as a signed 64-bit JSON number).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_date(text).map(Date).ok_or_else(|| {
                InputValueError::custom(
                    "날짜는 1970-01-01부터 2100-12-31 사이의 YYYY-MM-DD 형식이어야 합니다.",
                )
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        // chrono's Display is `YYYY-MM-DD` for these years, written directly;
        // `format` would parse a format string for every date of a calendar.
        Value::String(self.0.to_string())
    }
}

/// Only the canonical `YYYY-MM-DD` of a real day between 1970 and 2100: no
/// signs, spaces or short fields (chrono alone would take "+2026-1-01").
fn parse_date(text: &str) -> Option<NaiveDate> {
    let canonical = text.len() == 10
        && text.bytes().enumerate().all(|(i, byte)| match i {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (canonical && crate::calendar::YEARS.contains(&date.year())).then_some(date)
}

/// A moment in UTC; the database keeps it as a `DATETIME(6)` without offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub NaiveDateTime);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|moment| DateTime(moment.with_timezone(&Utc).naive_utc()))
                .map_err(|_| InputValueError::custom("시각은 RFC 3339 형식이어야 합니다.")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(
            self.0
                .and_utc()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        )
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(moment: chrono::DateTime<Utc>) -> Self {
        Self(moment.naive_utc())
    }
}

/// A whole amount of money (KRW has no minor unit). Arithmetic is checked, so
/// an overflow is an error rather than a wrong total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

impl Money {
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }
}

#[Scalar(name = "Money")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(number) => number
                .as_i64()
                .map(Money)
                .ok_or_else(|| InputValueError::custom("금액은 정수여야 합니다.")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_real_calendar_days() {
        for good in ["2026-02-28", "1970-01-01", "2100-12-31"] {
            assert!(<Date as ScalarType>::parse(Value::String(good.into())).is_ok());
        }
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "20260101",
            "2026-01-01T00:00",
            "+2026-1-01",
            " 2026-1-01",
            "-001-01-01",
            "0000-01-01",
            "1969-12-31",
            "2101-01-01",
        ] {
            assert!(
                <Date as ScalarType>::parse(Value::String(bad.into())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_are_written_with_padded_fields() {
        for text in ["1970-01-01", "2026-03-05", "2100-12-31"] {
            let date = <Date as ScalarType>::parse(Value::String(text.into())).unwrap();
            assert_eq!(date.to_value(), Value::String(text.into()));
        }
    }

    #[test]
    fn datetimes_are_written_in_utc() {
        let parsed =
            <DateTime as ScalarType>::parse(Value::String("2026-01-01T09:00:00+09:00".into()))
                .unwrap();
        assert_eq!(
            parsed.to_value(),
            Value::String("2026-01-01T00:00:00.000Z".into())
        );
    }

    #[test]
    fn money_is_a_whole_number_with_checked_arithmetic() {
        assert!(
            <Money as ScalarType>::parse(Value::Number(serde_json::Number::from_f64(1.5).unwrap()))
                .is_err()
        );
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
        assert_eq!(Money(5).checked_sub(Money(7)), Some(Money(-2)));
    }
}
