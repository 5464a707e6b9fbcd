//! Settle-up: each member's expenses paid minus an equal share of all of
//! them. Integer won: the remainder of the division goes one won each to the
//! members in join order, so the balances add up to exactly 0.

/// Balances for the members in join order, given what each paid. None only
/// on overflow.
pub fn balances(paid: &[i64]) -> Option<Vec<i64>> {
    let members = i64::try_from(paid.len()).ok()?;
    if members == 0 {
        return Some(Vec::new());
    }
    let total = paid
        .iter()
        .try_fold(0_i64, |total, amount| total.checked_add(*amount))?;
    let share = total.checked_div_euclid(members)?;
    let remainder = usize::try_from(total.checked_rem_euclid(members)?).ok()?;
    paid.iter()
        .enumerate()
        .map(|(index, amount)| {
            let fair = if index < remainder {
                share.checked_add(1)?
            } else {
                share
            };
            amount.checked_sub(fair)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_even_split() {
        assert_eq!(balances(&[300, 0, 0]), Some(vec![200, -100, -100]));
        assert_eq!(balances(&[50, 50]), Some(vec![0, 0]));
    }

    #[test]
    fn the_remainder_goes_one_won_each_in_join_order() {
        // 100 won among three: fair shares 34, 33, 33.
        assert_eq!(balances(&[100, 0, 0]), Some(vec![66, -33, -33]));
        assert_eq!(balances(&[0, 0, 100]), Some(vec![-34, -33, 67]));
        // 101 won among three: fair shares 34, 34, 33.
        assert_eq!(balances(&[0, 101, 0]), Some(vec![-34, 67, -33]));
    }

    #[test]
    fn balances_always_add_up_to_zero() {
        for paid in [
            vec![1, 2, 3, 4, 5, 6, 7],
            vec![999_999_999_999, 1, 0],
            vec![7],
            vec![0, 0, 0, 0],
            vec![13, 0, 0, 0, 0, 0],
        ] {
            let result = balances(&paid).unwrap();
            assert_eq!(result.iter().sum::<i64>(), 0, "{paid:?}");
        }
    }

    #[test]
    fn one_member_owes_nothing_and_no_members_is_empty() {
        assert_eq!(balances(&[12_345]), Some(vec![0]));
        assert_eq!(balances(&[]), Some(vec![]));
    }

    #[test]
    fn overflow_is_reported() {
        assert_eq!(balances(&[i64::MAX, 1]), None);
    }
}
