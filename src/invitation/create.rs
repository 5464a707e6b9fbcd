//! Making invitations, shared by `inviteMembers` and `createLedger`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    app::Services,
    db::{
        Conn, last_insert_id,
        schema::{invitations, ledger_members, members},
        unique_violation_key,
    },
    error::{AppError, AppResult},
    invitation::{
        model::{InvitationRow, NewInvitation, PENDING, VALID_DAYS},
        queries::expire_overdue,
    },
    ledger::model::LedgerRow,
    mail::invitation_mail,
    member::{model::MemberRow, values::Email},
    notification::{NewNotification, NotificationKind, insert_all, invitation_received_message},
};

/// At most this many emails in one request.
pub const MAX_EMAILS: usize = 20;

/// Parses the emails of a request: valid, at most `MAX_EMAILS`, no repeats.
pub fn parse_emails(field: &'static str, raw: &[String]) -> AppResult<Vec<Email>> {
    if raw.len() > MAX_EMAILS {
        return Err(AppError::bad_input(
            field,
            format!("한 번에 {MAX_EMAILS}명까지 초대할 수 있습니다."),
        ));
    }
    let mut emails: Vec<Email> = Vec::with_capacity(raw.len());
    for value in raw {
        let email = Email::parse(field, value)?;
        if emails
            .iter()
            .any(|seen| seen.normalized() == email.normalized())
        {
            return Err(AppError::conflict(
                field,
                format!("{}: 같은 이메일이 두 번 들어 있습니다.", email.as_str()),
            ));
        }
        emails.push(email);
    }
    Ok(emails)
}

/// Invites `emails` into `ledger` inside the caller's transaction: the rows,
/// and an INVITATION_RECEIVED notification for invitees who have an account.
pub async fn invite(
    conn: &mut Conn,
    ledger: &LedgerRow,
    inviter: &MemberRow,
    emails: &[Email],
    now: NaiveDateTime,
) -> AppResult<Vec<InvitationRow>> {
    if ledger.is_private() {
        return Err(AppError::bad_input(
            "ledgerId",
            "개인 가계부에는 초대할 수 없습니다.",
        ));
    }
    expire_overdue(conn, ledger.id, now).await?;
    let normalized: Vec<String> = emails.iter().map(Email::normalized).collect();
    let already_members: Vec<String> = ledger_members::table
        .inner_join(members::table)
        .filter(ledger_members::ledger_id.eq(ledger.id))
        .filter(members::active_email.eq_any(&normalized))
        .select(members::email)
        .load(conn)
        .await?;
    if let Some(email) = <[_]>::first(&already_members) {
        return Err(AppError::bad_input(
            "emails",
            format!("{email}님은 이미 이 가계부의 멤버입니다."),
        ));
    }
    let accounts: Vec<(i64, Option<String>)> = members::table
        .filter(members::active_email.eq_any(&normalized))
        .select((members::id, members::active_email))
        .load(conn)
        .await?;

    let expires_at = now + Duration::days(VALID_DAYS);
    let mut rows = Vec::with_capacity(emails.len());
    let mut notifications = Vec::new();
    for email in emails {
        diesel::insert_into(invitations::table)
            .values(NewInvitation {
                ledger_id: ledger.id,
                inviter_id: inviter.id,
                invitee_email: email.as_str(),
                status: PENDING,
                created_at: now,
                expires_at,
            })
            .execute(conn)
            .await
            .map_err(|error| match unique_violation_key(&error) {
                Some("uq_invitations_pending") => AppError::conflict(
                    "emails",
                    format!("{}님에게 보낸 초대가 이미 대기 중입니다.", email.as_str()),
                ),
                _ => error.into(),
            })?;
        let id = last_insert_id::fetch(conn).await?;
        if let Some((recipient, _)) = accounts
            .iter()
            .find(|(_, active)| active.as_deref() == Some(email.normalized().as_str()))
        {
            let mut notification = NewNotification::new(
                *recipient,
                NotificationKind::InvitationReceived,
                invitation_received_message(&inviter.nick_name, &ledger.name),
                now,
            );
            notification.actor_id = Some(inviter.id);
            notification.ledger_id = Some(ledger.id);
            notification.invitation_id = Some(id);
            notifications.push(notification);
        }
        rows.push(InvitationRow {
            id,
            ledger_id: ledger.id,
            inviter_id: inviter.id,
            invitee_email: email.as_str().to_owned(),
            status: PENDING.to_owned(),
            created_at: now,
            expires_at,
            responded_at: None,
        });
    }
    insert_all(conn, &notifications).await?;
    Ok(rows)
}

/// Mails each invitee, after the invitations are committed. A mail that
/// fails is logged: the invitation itself stands and shows in the app.
pub fn mail_invitees(
    services: &Services,
    inviter: &str,
    ledger: &str,
    invitations: &[InvitationRow],
) {
    for invitation in invitations {
        let services = services.clone();
        let mail = invitation_mail(inviter, ledger, &services.config.mail.app_base_url);
        let to = invitation.invitee_email.clone();
        tokio::spawn(async move {
            if let Err(error) = services.mailer.send(&to, mail).await {
                tracing::error!(%error, "invitation mail failed");
            }
        });
    }
}
