//! `byCategory`: the top N categories by expense, then everything else in
//! one bucket. Ties are broken by name in Unicode code point order, which is
//! how Rust compares strings (UTF-8 byte order is code point order); the
//! database's collation is not involved.

use crate::{
    analytics::buckets::add,
    error::{AppError, AppResult},
};

/// The most categories `top` may ask for.
pub const MAX_TOP: i32 = 100;

/// One category's expense total in a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryTotal<C> {
    pub category: C,
    pub name: String,
    pub amount: i64,
}

/// The ranking of a month: the top categories, largest first, and the total
/// of the others (None when there are no others).
#[derive(Debug, PartialEq, Eq)]
pub struct Ranking<C> {
    pub top: Vec<CategoryTotal<C>>,
    pub others: Option<i64>,
}

/// `top` as a count: 1 to `MAX_TOP`, else BAD_USER_INPUT.
pub fn parse_top(top: i32) -> AppResult<usize> {
    if (1..=MAX_TOP).contains(&top) {
        usize::try_from(top).map_err(AppError::internal)
    } else {
        Err(AppError::bad_input(
            "top",
            "상위 분류 개수는 1~100 사이로 입력해 주세요.",
        ))
    }
}

/// Ranks categories by amount (largest first, ties by name ascending) and
/// folds everything after the first `top` into one total. Categories without
/// expenses take no place.
pub fn rank<C>(mut totals: Vec<CategoryTotal<C>>, top: usize) -> AppResult<Ranking<C>> {
    totals.retain(|total| total.amount != 0);
    totals.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.name.cmp(&b.name)));
    let rest = totals.split_off(top.min(totals.len()));
    let others = if rest.is_empty() {
        None
    } else {
        Some(
            rest.iter()
                .try_fold(0, |sum, total| add(sum, total.amount))?,
        )
    };
    Ok(Ranking {
        top: totals,
        others,
    })
}

/// `amount` as a share of `total`, 0.0-1.0 (0 for an empty month).
pub fn ratio(amount: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        // Money is exact; only the ratio, a display value, is a float.
        amount as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(id: u32, name: &str, amount: i64) -> CategoryTotal<u32> {
        CategoryTotal {
            category: id,
            name: name.to_owned(),
            amount,
        }
    }

    fn names(ranking: &Ranking<u32>) -> Vec<&str> {
        ranking
            .top
            .iter()
            .map(|total| total.name.as_str())
            .collect()
    }

    #[test]
    fn the_top_come_first_and_the_rest_is_one_bucket() {
        let ranking = rank(
            vec![
                total(1, "식비", 500),
                total(2, "카페", 100),
                total(3, "생활", 300),
                total(4, "쇼핑", 50),
            ],
            2,
        )
        .unwrap();
        assert_eq!(names(&ranking), vec!["식비", "생활"]);
        assert_eq!(ranking.others, Some(150));
    }

    #[test]
    fn no_others_bucket_when_every_category_is_in_the_top() {
        let ranking = rank(vec![total(1, "식비", 500), total(2, "카페", 100)], 2).unwrap();
        assert_eq!(ranking.others, None);
        let ranking = rank(vec![total(1, "식비", 500)], 5).unwrap();
        assert_eq!(ranking.others, None);
        let empty = rank(Vec::<CategoryTotal<u32>>::new(), 5).unwrap();
        assert!(empty.top.is_empty() && empty.others.is_none());
    }

    #[test]
    fn ties_go_by_name_in_code_point_order() {
        // "Z" (U+005A) < "a" (U+0061) < "가" (U+AC00) < "🍽" (U+1F37D); a
        // case- or accent-insensitive collation would order these otherwise.
        let ranking = rank(
            vec![
                total(1, "🍽️ 식비", 100),
                total(2, "가", 100),
                total(3, "a", 100),
                total(4, "Z", 100),
                total(5, "큰돈", 900),
            ],
            3,
        )
        .unwrap();
        assert_eq!(names(&ranking), vec!["큰돈", "Z", "a"]);
        assert_eq!(ranking.others, Some(200));
    }

    #[test]
    fn top_is_bounded() {
        assert_eq!(parse_top(1).unwrap(), 1);
        assert_eq!(parse_top(100).unwrap(), 100);
        for bad in [0, -1, 101] {
            assert!(matches!(parse_top(bad), Err(AppError::BadInput { .. })));
        }
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(25, 100), 0.25);
        assert_eq!(ratio(0, 0), 0.0);
        assert_eq!(ratio(100, 100), 1.0);
    }
}
