//! SCHEDULE_ASSIGNED notifications, written in the transaction that assigns.

use chrono::{NaiveDate, NaiveDateTime};

use crate::{
    ids::{LedgerId, MemberId, ScheduleId},
    notification::{NewNotification, NotificationKind},
    schedule::values::Share,
};

pub fn assigned_message(actor: &str, schedule: &str) -> String {
    format!("{actor}님이 '{schedule}' 일정을 회원님과 나눴습니다.")
}

/// What the actor tells each assignee: their share and the next due date.
/// The actor is not told about their own share.
pub struct Assigned<'a> {
    pub actor: MemberId,
    pub actor_nick_name: &'a str,
    pub ledger: LedgerId,
    pub schedule: ScheduleId,
    pub schedule_name: &'a str,
    pub next_due: NaiveDate,
    pub now: NaiveDateTime,
}

impl Assigned<'_> {
    pub fn notifications<'s>(
        &self,
        shares: impl IntoIterator<Item = &'s Share>,
    ) -> Vec<NewNotification> {
        shares
            .into_iter()
            .filter(|share| share.member != self.actor)
            .map(|share| {
                let mut notification = NewNotification::new(
                    share.member.0,
                    NotificationKind::ScheduleAssigned,
                    assigned_message(self.actor_nick_name, self.schedule_name),
                    self.now,
                );
                notification.actor_id = Some(self.actor.0);
                notification.ledger_id = Some(self.ledger.0);
                notification.schedule_id = Some(self.schedule.0);
                notification.amount = share.amount;
                notification.due_date = Some(self.next_due);
                notification
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_but_the_actor_is_told_their_share() {
        let now = NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 3, 25).unwrap();
        let assigned = Assigned {
            actor: MemberId(1),
            actor_nick_name: "민지",
            ledger: LedgerId(7),
            schedule: ScheduleId(9),
            schedule_name: "월세",
            next_due: due,
            now,
        };
        let shares = [
            Share {
                member: MemberId(1),
                amount: Some(300),
            },
            Share {
                member: MemberId(2),
                amount: Some(700),
            },
            Share {
                member: MemberId(3),
                amount: None,
            },
        ];
        let rows = assigned.notifications(&shares);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].recipient_id, 2);
        assert_eq!(rows[0].amount, Some(700));
        assert_eq!(rows[1].amount, None);
        assert_eq!(rows[0].due_date, Some(due));
        assert_eq!(
            rows[0].message,
            "민지님이 '월세' 일정을 회원님과 나눴습니다."
        );
        assert_eq!(rows[0].kind, "SCHEDULE_ASSIGNED");
    }
}
