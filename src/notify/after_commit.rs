//! Work that must wait until a transaction commits. Code inside a
//! transaction records it here (e.g. "member 7 has new notifications"), and
//! `Database::transaction` hands the record to the publisher only once the
//! commit succeeded, so no event ever announces a rolled-back row.

use std::cell::RefCell;

tokio::task_local! {
    static RECIPIENTS: RefCell<Vec<i64>>;
}

/// Notes that `member` has new notifications, if a transaction is running.
pub fn notification_for(member: i64) {
    let _ = RECIPIENTS.try_with(|recipients| recipients.borrow_mut().push(member));
}

/// Runs `work`, returning its output and the members it noted.
pub async fn collect<F: Future>(work: F) -> (F::Output, Vec<i64>) {
    RECIPIENTS
        .scope(RefCell::new(Vec::new()), async move {
            let output = work.await;
            let mut recipients = RECIPIENTS.with(|recipients| recipients.take());
            recipients.sort_unstable();
            recipients.dedup();
            (output, recipients)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notes_are_collected_once_each_and_only_inside_a_scope() {
        notification_for(1);
        let ((), recipients) = collect(async {
            notification_for(3);
            notification_for(2);
            notification_for(3);
        })
        .await;
        assert_eq!(recipients, vec![2, 3]);
    }
}
