//! Property tests of the parsers at the API's edge: the `Money`, `Date` and
//! `DateTime` scalars, the id newtypes and the checked input values (member,
//! category, schedule, entry, calendar). For arbitrary input each must not
//! panic, must accept exactly what its rule says, must give back what it
//! accepted unchanged when formatted and parsed again, and must reject with
//! its typed error, naming the field.

use async_graphql::{ID, Name, Number, ScalarType, Value, indexmap::IndexMap};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use uliga::{
    calendar::YearMonth,
    category::model as category,
    entry::input as entry,
    error::AppError,
    graphql::scalars::{Date, DateTime, Money},
    ids::{LedgerId, MemberId},
    member::values::{Email, NickName, Password, UserName},
    schedule::values as schedule,
};

/// Strings that stress the parsers: any Unicode, plus runs of the characters
/// the rules care about (Hangul, digits, symbols, whitespace, controls).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[가-힣a-zA-Z0-9]{0,25}",
        "[ \t\n\r\u{0}\u{7f}\u{85}\u{a0}\u{3000}가-힣a-z0-9!@#.%-]{0,70}",
        "[a-zA-Z0-9._%+-]{1,20}@[a-zA-Z0-9-]{1,20}(\\.[a-zA-Z]{2,6}){0,2}",
    ]
}

/// Values of every GraphQL kind, for the scalars' non-matching branches.
fn graphql_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
        "[A-Z_]{1,10}".prop_map(|name| Value::Enum(Name::new(name))),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::vec(("[a-z]{1,5}", inner), 0..4).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(key, value)| (Name::new(key), value))
                        .collect::<IndexMap<_, _>>(),
                )
            }),
        ]
    })
}

fn scalar_message<T: ScalarType + async_graphql::InputType>(value: Value) -> Option<String> {
    <T as ScalarType>::parse(value)
        .err()
        .map(|error| error.into_server_error(Default::default()).message)
}

/// The field and message of a BAD_USER_INPUT error, or a failed test.
fn bad_input(result: Result<impl std::fmt::Debug, AppError>) -> (String, String) {
    match result {
        Err(AppError::BadInput { field, message }) => {
            assert!(!message.is_empty());
            (field.to_string(), message.to_string())
        }
        other => panic!("expected a BAD_USER_INPUT error, got {other:?}"),
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

proptest! {
    // Failures are shrunk and printed; no regression file is written.
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // ---------------------------------------------------------------- Money

    #[test]
    fn money_accepts_every_i64_and_round_trips(amount in any::<i64>()) {
        let parsed = Money::parse(Value::Number(amount.into())).unwrap();
        prop_assert_eq!(parsed, Money(amount));
        prop_assert_eq!(Money::parse(parsed.to_value()).unwrap(), parsed);
    }

    #[test]
    fn money_rejects_what_is_not_a_whole_i64(value in graphql_value()) {
        let whole = matches!(&value, Value::Number(n) if n.as_i64().is_some());
        match Money::parse(value.clone()) {
            Ok(money) => {
                prop_assert!(whole, "accepted {value:?}");
                prop_assert_eq!(Value::Number(money.0.into()), value);
            }
            Err(error) => {
                prop_assert!(!whole, "rejected {value:?}");
                let message = error.into_server_error(Default::default()).message;
                if matches!(value, Value::Number(_)) {
                    prop_assert!(message.contains("금액은 정수"), "{message}");
                } else {
                    prop_assert!(!message.is_empty());
                }
            }
        }
    }

    #[test]
    fn money_rejects_fractions_and_numbers_past_i64(
        fraction in any::<f64>().prop_filter("not whole", |f| f.fract() != 0.0 && f.is_finite()),
        big in (i64::MAX as u64 + 1)..=u64::MAX,
    ) {
        let fraction = Number::from_f64(fraction).unwrap();
        prop_assert!(scalar_message::<Money>(Value::Number(fraction)).is_some());
        prop_assert!(scalar_message::<Money>(Value::Number(big.into())).is_some());
    }

    #[test]
    fn money_arithmetic_is_checked(a in any::<i64>(), b in any::<i64>()) {
        prop_assert_eq!(Money(a).checked_add(Money(b)), a.checked_add(b).map(Money));
        prop_assert_eq!(Money(a).checked_sub(Money(b)), a.checked_sub(b).map(Money));
    }

    // ---------------------------------------------------------------- Date

    #[test]
    fn dates_round_trip(days in 0i64..47_847) {
        // Every day of the accepted years, 1970-2100.
        let day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days);
        let written = Date(day).to_value();
        prop_assert_eq!(&written, &Value::String(day.format("%Y-%m-%d").to_string()));
        prop_assert_eq!(Date::parse(written).unwrap(), Date(day));
    }

    #[test]
    fn dates_never_panic_and_canonical_ones_round_trip(
        raw in prop_oneof![text(), "[0-9]{4}-[0-9]{2}-[0-9]{2}", "[ +-]?[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,3}"],
    ) {
        let canonical = raw.len() == 10
            && raw.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match Date::parse(Value::String(raw.clone())) {
            Ok(date) if canonical => {
                prop_assert_eq!(date.to_value(), Value::String(raw.clone()));
                prop_assert_eq!(Date::parse(date.to_value()).unwrap(), date);
            }
            Ok(_) => {}
            Err(error) => {
                let message = error.into_server_error(Default::default()).message;
                prop_assert!(message.contains("YYYY-MM-DD"), "{message}");
            }
        }
    }

    // The Date scalar takes only the canonical YYYY-MM-DD of a real day
    // between 1970 and 2100 (chrono alone would also take signs, spaces and
    // one-digit fields, e.g. "+2026-1-01" or "-001-01-01").
    #[test]
    fn dates_accept_only_canonical_real_days(
        raw in prop_oneof![
            text(),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "[ +-]?[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,3}[ Tt0-9:]{0,3}",
        ],
    ) {
        match Date::parse(Value::String(raw.clone())) {
            Ok(date) => {
                // What was accepted is written back exactly as it came.
                prop_assert_eq!(date.to_value(), Value::String(raw.clone()));
                prop_assert_eq!(Date::parse(date.to_value()).unwrap(), date);
            }
            Err(error) => {
                let message = error.into_server_error(Default::default()).message;
                prop_assert!(message.contains("YYYY-MM-DD"), "{message}");
                // Rejected only when it is not a real day in that form.
                let real = raw.len() == 10
                    && raw.as_bytes()[4] == b'-'
                    && raw.as_bytes()[7] == b'-'
                    && raw.bytes().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
                    && NaiveDate::from_ymd_opt(
                        raw[0..4].parse().unwrap(),
                        raw[5..7].parse().unwrap(),
                        raw[8..10].parse().unwrap(),
                    )
                    .is_some_and(|date| (1970..=2100).contains(&date.year()));
                prop_assert!(!real, "rejected the real day {raw}");
            }
        }
    }

    #[test]
    fn dates_reject_other_kinds(value in graphql_value()) {
        if !matches!(value, Value::String(_)) {
            prop_assert!(Date::parse(value).is_err());
        }
    }

    // ---------------------------------------------------------------- DateTime

    #[test]
    fn datetimes_round_trip_at_millisecond_precision(
        seconds in -62_135_596_800i64..253_402_300_799,
        millis in 0u32..1000,
    ) {
        let moment = chrono::DateTime::from_timestamp(seconds, millis * 1_000_000)
            .unwrap()
            .naive_utc();
        let written = DateTime(moment).to_value();
        prop_assert_eq!(DateTime::parse(written.clone()).unwrap(), DateTime(moment));
        prop_assert_eq!(DateTime::parse(written.clone()).unwrap().to_value(), written);
    }

    #[test]
    fn datetimes_never_panic(raw in prop_oneof![
        text(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
    ]) {
        if let Ok(moment) = DateTime::parse(Value::String(raw)) {
            // Accepted moments are written in UTC and read back the same,
            // up to the milliseconds that are written.
            let written = moment.to_value();
            let again = DateTime::parse(written.clone()).unwrap();
            prop_assert_eq!(again.to_value(), written);
        }
    }

    // ---------------------------------------------------------------- ids

    #[test]
    fn ids_round_trip(id in 1i64..=i64::MAX) {
        let wire = ID::from(LedgerId(id));
        prop_assert_eq!(&wire.0, &id.to_string());
        prop_assert_eq!(LedgerId::parse(&wire).unwrap(), LedgerId(id));
        prop_assert_eq!(MemberId::parse(&ID::from(MemberId(id))).unwrap(), MemberId(id));
    }

    #[test]
    fn ids_accept_positive_i64_only_else_forbidden(
        raw in prop_oneof![text(), "[+-]?[0-9]{1,21}", any::<i64>().prop_map(|n| n.to_string())],
    ) {
        let expected = raw.parse::<i64>().ok().filter(|n| *n > 0);
        match LedgerId::parse(&ID(raw.clone())) {
            Ok(id) => prop_assert_eq!(Some(id.0), expected, "{}", raw),
            Err(error) => {
                prop_assert!(matches!(error, AppError::Forbidden), "{error:?}");
                prop_assert_eq!(expected, None, "{}", raw);
            }
        }
    }

    // ---------------------------------------------------------------- member values

    #[test]
    fn emails(raw in text()) {
        match Email::parse("input.email", &raw) {
            Ok(email) => {
                prop_assert_eq!(email.as_str(), raw.trim());
                prop_assert!(chars(email.as_str()) <= 254);
                prop_assert_eq!(email.normalized(), raw.trim().to_lowercase());
                prop_assert_eq!(Email::parse("input.email", email.as_str()).unwrap(), email);
            }
            Err(error) => {
                let (field, _) = bad_input(Err::<(), _>(error));
                prop_assert_eq!(field, "input.email");
            }
        }
    }

    #[test]
    fn nicknames(raw in text()) {
        // Names are trimmed and put in NFC before the rules apply.
        let normal = uliga::text::name(&raw);
        let allowed = (2..=19).contains(&chars(&normal))
            && normal.chars().all(|c| c.is_alphabetic() || c.is_ascii_digit());
        match NickName::parse("input.nickName", &raw) {
            Ok(nick) => {
                prop_assert!(allowed, "accepted {raw:?}");
                prop_assert_eq!(nick.as_str(), normal.as_str());
                prop_assert_eq!(NickName::parse("input.nickName", nick.as_str()).unwrap(), nick);
            }
            Err(error) => {
                prop_assert!(!allowed, "rejected {raw:?}");
                let (field, _) = bad_input(Err::<(), _>(error));
                prop_assert_eq!(field, "input.nickName");
            }
        }
    }

    #[test]
    fn user_names(raw in text()) {
        let normal = uliga::text::name(&raw);
        let trimmed = normal.as_str();
        let allowed = (1..=30).contains(&chars(trimmed)) && !trimmed.chars().any(char::is_control);
        match UserName::parse("input.userName", &raw) {
            Ok(name) => {
                prop_assert!(allowed, "accepted {raw:?}");
                prop_assert_eq!(name.as_str(), trimmed);
                prop_assert_eq!(UserName::parse("input.userName", name.as_str()).unwrap(), name);
            }
            Err(error) => {
                prop_assert!(!allowed, "rejected {raw:?}");
                let (field, _) = bad_input(Err::<(), _>(error));
                prop_assert_eq!(field, "input.userName");
            }
        }
    }

    #[test]
    fn passwords(raw in prop_oneof![text(), "[a-z가-힣]{1,8}[0-9]{1,8}[!@#$%^&*()_+ ]{1,8}"]) {
        let allowed = (8..=64).contains(&chars(&raw))
            && raw.chars().any(char::is_alphabetic)
            && raw.chars().any(|c| c.is_ascii_digit())
            && raw.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control());
        match Password::parse("newPassword", &raw) {
            Ok(password) => {
                prop_assert!(allowed, "accepted {raw:?}");
                // Kept exactly as typed (no trimming), and never printed.
                prop_assert_eq!(password.expose(), raw.as_str());
                prop_assert_eq!(format!("{password:?}"), "Password(<redacted>)");
                prop_assert!(Password::parse("newPassword", password.expose()).is_ok());
            }
            Err(error) => {
                prop_assert!(!allowed, "rejected {raw:?}");
                let (field, _) = bad_input(Err::<(), _>(error));
                prop_assert_eq!(field, "newPassword");
            }
        }
    }

    // ---------------------------------------------------------------- other input values

    #[test]
    fn trimmed_names(raw in text()) {
        let normal = uliga::text::name(&raw);
        let trimmed = normal.as_str();
        let clean = !trimmed.chars().any(char::is_control);
        let category = category::parse_name("name", &raw);
        prop_assert_eq!(
            category.is_ok(),
            clean && (1..=30).contains(&chars(trimmed)),
            "category name {:?}", raw
        );
        if let Ok(name) = category {
            prop_assert_eq!(category::parse_name("name", &name).unwrap(), name);
        } else {
            prop_assert_eq!(bad_input(category).0, "name");
        }
        let schedule = schedule::parse_name("input.name".into(), &raw);
        prop_assert_eq!(
            schedule.is_ok(),
            clean && (1..=schedule::MAX_NAME_CHARS).contains(&chars(trimmed)),
            "schedule name {:?}", raw
        );
        if let Ok(name) = schedule {
            prop_assert_eq!(schedule::parse_name("input.name".into(), &name).unwrap(), name);
        } else {
            prop_assert_eq!(bad_input(schedule).0, "input.name");
        }
        for (check, max, field) in [
            (entry::check_payment as fn(&str) -> _, 20, "payment"),
            (entry::check_counterparty, 50, "counterparty"),
        ] {
            match check(&raw) {
                Ok(text) => {
                    prop_assert!(clean && (1..=max).contains(&chars(trimmed)));
                    prop_assert_eq!(check(&text).unwrap(), text);
                }
                Err(error) => {
                    prop_assert!(!(clean && (1..=max).contains(&chars(trimmed))));
                    prop_assert_eq!(error.field, field);
                }
            }
        }
        match entry::check_memo(Some(&raw)) {
            Ok(None) => prop_assert!(trimmed.is_empty()),
            Ok(Some(memo)) => {
                prop_assert!(chars(&memo) <= 500);
                prop_assert!(!memo.chars().any(|c| c.is_control() && !"\n\r\t".contains(c)));
                prop_assert_eq!(entry::check_memo(Some(&memo)).unwrap(), Some(memo));
            }
            Err(error) => {
                let stray_control = trimmed.chars().any(|c| c.is_control() && !"\n\r\t".contains(c));
                prop_assert!(chars(trimmed) > 500 || stray_control);
                prop_assert_eq!(error.field, "memo");
            }
        }
    }

    #[test]
    fn amounts_days_months_and_pages(n in any::<i64>(), a in any::<i32>(), b in any::<i32>()) {
        let max = schedule::MAX_AMOUNT;
        prop_assert_eq!(schedule::parse_amount("amount".into(), n).ok(), (1..=max).contains(&n).then_some(n));
        prop_assert_eq!(schedule::parse_share("amount".into(), n).ok(), (0..=max).contains(&n).then_some(n));
        prop_assert_eq!(entry::check_amount(Money(n)).ok(), (1..=max).contains(&n).then_some(n));
        if let Err(error) = entry::check_amount(Money(n)) {
            prop_assert_eq!(error.field, "amount");
        }
        let day = schedule::parse_day_of_month("input.dayOfMonth".into(), a);
        prop_assert_eq!(day.as_ref().ok().map(|d| i32::from(*d)), (1..=31).contains(&a).then_some(a));
        if day.is_err() {
            prop_assert_eq!(bad_input(day).0, "input.dayOfMonth");
        }
        match YearMonth::parse(a, b) {
            Ok(month) => {
                prop_assert!((1970..=2100).contains(&a) && (1..=12).contains(&b));
                prop_assert_eq!(YearMonth::of(month.first_day()), month);
            }
            Err(error) => {
                let (field, _) = bad_input(Err::<(), _>(error));
                let expected = if (1970..=2100).contains(&a) { "month" } else { "year" };
                prop_assert_eq!(field, expected);
            }
        }
        match uliga::entry::views::check_page(a, b) {
            Ok((page, size)) => {
                prop_assert!(a >= 0 && (1..=100).contains(&b));
                prop_assert_eq!((page, size), (i64::from(a), i64::from(b)));
            }
            Err(error) => {
                prop_assert!(a < 0 || !(1..=100).contains(&b));
                let (field, _) = bad_input(Err::<(), _>(error));
                prop_assert_eq!(field, if (1..=100).contains(&b) { "page" } else { "size" });
            }
        }
    }
}
