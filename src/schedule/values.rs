//! The rules a schedule's values follow, checked once at the edge. Each
//! failure is BAD_USER_INPUT naming the input field, with a Korean message.

use std::collections::HashSet;

use crate::{
    error::{AppError, AppResult},
    ids::MemberId,
};

/// The largest amount of money a schedule (or an entry) may hold: 10^12 won.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
pub const MAX_NAME_CHARS: usize = 50;
/// No ledger has more members than this in practice; it bounds the list.
pub const MAX_ASSIGNMENTS: usize = 100;

/// Trimmed, 1-50 characters.
pub fn parse_name(field: String, raw: &str) -> AppResult<String> {
    let trimmed = crate::text::name(raw);
    let length = trimmed.chars().count();
    if length == 0 || length > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "일정 이름은 1~50자로 입력해 주세요.",
        ));
    }
    Ok(trimmed)
}

/// 1-31; a day past the end of a shorter month falls on its last day.
pub fn parse_day_of_month(field: String, day: i32) -> AppResult<u8> {
    u8::try_from(day)
        .ok()
        .filter(|day| (1..=31).contains(day))
        .ok_or_else(|| AppError::bad_input(field, "날짜는 매월 1~31일 중에서 골라 주세요."))
}

/// A schedule's amount: more than 0, at most 10^12.
pub fn parse_amount(field: String, amount: i64) -> AppResult<i64> {
    if (1..=MAX_AMOUNT).contains(&amount) {
        Ok(amount)
    } else {
        Err(AppError::bad_input(
            field,
            "금액은 1원 이상 1조 원 이하로 입력해 주세요.",
        ))
    }
}

/// One member's share: 0 (the schedule is theirs to see, someone else
/// pays) up to 10^12.
pub fn parse_share(field: String, amount: i64) -> AppResult<i64> {
    if (0..=MAX_AMOUNT).contains(&amount) {
        Ok(amount)
    } else {
        Err(AppError::bad_input(
            field,
            "분담액은 0원 이상 1조 원 이하로 입력해 주세요.",
        ))
    }
}

/// A member's part of a schedule; `amount` None is a variable share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub member: MemberId,
    pub amount: Option<i64>,
}

/// At least one assignee, at most `MAX_ASSIGNMENTS`, nobody twice.
pub fn check_assignee_list(field: &str, shares: &[Share]) -> AppResult<()> {
    if shares.is_empty() {
        return Err(AppError::bad_input(
            field.to_owned(),
            "일정을 나눌 멤버를 한 명 이상 지정해 주세요.",
        ));
    }
    if shares.len() > MAX_ASSIGNMENTS {
        return Err(AppError::bad_input(
            field.to_owned(),
            "일정은 최대 100명에게 나눌 수 있습니다.",
        ));
    }
    let mut seen = HashSet::with_capacity(shares.len());
    for (index, share) in shares.iter().enumerate() {
        if !seen.insert(share.member) {
            return Err(AppError::bad_input(
                format!("{field}.{index}.memberId"),
                "같은 멤버를 두 번 지정할 수 없습니다.",
            ));
        }
    }
    Ok(())
}

/// Shares must fit the amount. When every share is given they add up to the
/// amount exactly, so a variable amount cannot have every share fixed; when
/// some are variable, the fixed ones must leave room (not exceed it).
pub fn check_shares_fit(field: &str, amount: Option<i64>, shares: &[Share]) -> AppResult<()> {
    let fixed: Vec<i64> = shares.iter().filter_map(|share| share.amount).collect();
    let all_fixed = fixed.len() == shares.len();
    let sum = fixed
        .iter()
        .try_fold(0_i64, |total, amount| total.checked_add(*amount));
    let message = match (amount, all_fixed, sum) {
        (None, true, _) if !fixed.is_empty() => {
            "금액이 정해지지 않은 일정은 모든 분담액을 정할 수 없습니다. 금액을 입력하거나 분담액을 비워 두세요."
        }
        (None, _, _) => return Ok(()),
        (Some(amount), true, Some(sum)) if sum == amount => return Ok(()),
        (Some(_), true, _) => "분담액의 합이 일정 금액과 같아야 합니다.",
        (Some(amount), false, Some(sum)) if sum <= amount => return Ok(()),
        (Some(_), false, _) => "분담액의 합이 일정 금액보다 클 수 없습니다.",
    };
    Err(AppError::bad_input(field.to_owned(), message))
}

/// Every assignee must be a current member; in a private ledger that is the
/// owner alone, which gets its own message.
pub fn check_assignees_are_members(
    field: &str,
    shares: &[Share],
    members: &HashSet<MemberId>,
    private_ledger: bool,
) -> AppResult<()> {
    for (index, share) in shares.iter().enumerate() {
        if !members.contains(&share.member) {
            let message = if private_ledger {
                "개인 가계부의 일정은 본인에게만 지정할 수 있습니다."
            } else {
                "가계부 멤버에게만 일정을 나눌 수 있습니다."
            };
            return Err(AppError::bad_input(
                format!("{field}.{index}.memberId"),
                message,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(member: i64, amount: Option<i64>) -> Share {
        Share {
            member: MemberId(member),
            amount,
        }
    }

    fn field_of(result: AppResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(AppError::BadInput { field, .. }) => field.into_owned(),
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("n".into(), "  월세 ").unwrap(), "월세");
        assert_eq!(
            parse_name("n".into(), &"가".repeat(50))
                .unwrap()
                .chars()
                .count(),
            50
        );
        assert_eq!(field_of(parse_name("n".into(), "   ")), "n");
        assert_eq!(field_of(parse_name("n".into(), &"가".repeat(51))), "n");
        assert_eq!(field_of(parse_name("n".into(), "a\nb")), "n");
    }

    #[test]
    fn days_and_amounts_are_bounded() {
        assert_eq!(parse_day_of_month("d".into(), 1).unwrap(), 1);
        assert_eq!(parse_day_of_month("d".into(), 31).unwrap(), 31);
        for bad in [0, 32, -1, 1000] {
            assert_eq!(field_of(parse_day_of_month("d".into(), bad)), "d");
        }
        assert_eq!(parse_amount("a".into(), MAX_AMOUNT).unwrap(), MAX_AMOUNT);
        for bad in [0, -5, MAX_AMOUNT + 1] {
            assert_eq!(field_of(parse_amount("a".into(), bad)), "a");
        }
        assert_eq!(parse_share("s".into(), 0).unwrap(), 0);
        assert_eq!(field_of(parse_share("s".into(), -1)), "s");
    }

    #[test]
    fn assignee_lists_are_non_empty_and_without_repeats() {
        assert!(check_assignee_list("a", &[share(1, None), share(2, None)]).is_ok());
        assert_eq!(field_of(check_assignee_list("a", &[])), "a");
        assert_eq!(
            field_of(check_assignee_list(
                "a",
                &[share(1, None), share(1, Some(3))]
            )),
            "a.1.memberId"
        );
        let many: Vec<Share> = (1..=101).map(|id| share(id, None)).collect();
        assert_eq!(field_of(check_assignee_list("a", &many)), "a");
    }

    #[test]
    fn shares_all_given_add_up_to_the_amount() {
        let exact = [share(1, Some(300)), share(2, Some(700))];
        assert!(check_shares_fit("a", Some(1000), &exact).is_ok());
        let short = [share(1, Some(300)), share(2, Some(600))];
        assert_eq!(field_of(check_shares_fit("a", Some(1000), &short)), "a");
        let over = [share(1, Some(300)), share(2, Some(800))];
        assert_eq!(field_of(check_shares_fit("a", Some(1000), &over)), "a");
    }

    #[test]
    fn variable_shares_leave_the_rest_open() {
        let partly = [share(1, Some(300)), share(2, None)];
        assert!(check_shares_fit("a", Some(1000), &partly).is_ok());
        let too_much = [share(1, Some(1300)), share(2, None)];
        assert_eq!(field_of(check_shares_fit("a", Some(1000), &too_much)), "a");
        let all_variable = [share(1, None), share(2, None)];
        assert!(check_shares_fit("a", Some(1000), &all_variable).is_ok());
    }

    #[test]
    fn a_variable_amount_cannot_have_every_share_fixed() {
        assert!(check_shares_fit("a", None, &[share(1, None), share(2, None)]).is_ok());
        assert!(check_shares_fit("a", None, &[share(1, Some(5)), share(2, None)]).is_ok());
        assert_eq!(
            field_of(check_shares_fit(
                "a",
                None,
                &[share(1, Some(5)), share(2, Some(5))]
            )),
            "a"
        );
    }

    #[test]
    fn assignees_must_be_members() {
        let members: HashSet<MemberId> = [MemberId(1), MemberId(2)].into();
        assert!(check_assignees_are_members("a", &[share(2, None)], &members, false).is_ok());
        assert_eq!(
            field_of(check_assignees_are_members(
                "a",
                &[share(1, None), share(3, None)],
                &members,
                false
            )),
            "a.1.memberId"
        );
    }
}
