//! The subscriptions: the viewer's notifications, and changes to a ledger.

use std::collections::VecDeque;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::{
    app::Services,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        scalars::{Date, DateTime},
    },
    ids::{EntryId, LedgerId, MemberId},
    ledger::queries::find_for_member,
    member::{queries as member_queries, types::Member},
    notification::views::{Notification, newer_than, newest_id},
    notify::{
        LedgerChange, LedgerEventKind,
        hub::{HubEvent, SubscriberGuard},
    },
};

#[derive(SimpleObject)]
pub struct LedgerEvent {
    kind: LedgerEventKind,
    ledger_id: ID,
    actor: Option<Member>,
    entry_ids: Vec<ID>,
    /// Dates whose totals changed, so a calendar can refetch just those.
    dates: Vec<Date>,
    at: DateTime,
}

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// The viewer's notifications as they are created, on any server instance.
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Notification> + use<>, AppError> {
        let viewer = ctx.viewer()?.member_id;
        let services = ctx.services().clone();
        let cursor = {
            let mut conn = services.db.read().await?;
            newest_id(&mut conn, viewer).await?
        };
        let (events, guard) = services.hub.subscribe();
        let state = NotificationState {
            services,
            viewer,
            cursor,
            events,
            pending: VecDeque::new(),
            _guard: guard,
        };
        Ok(stream::unfold(state, next_notification))
    }

    /// Changes to a ledger the viewer belongs to, made by anyone. The stream
    /// ends when the viewer leaves the ledger or is removed from it.
    async fn ledger_changed(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
    ) -> Result<impl Stream<Item = LedgerEvent> + use<>, AppError> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let services = ctx.services().clone();
        {
            let mut conn = services.db.primary().await?;
            find_for_member(&mut conn, ledger, viewer)
                .await?
                .ok_or(AppError::Forbidden)?;
        }
        let (events, guard) = services.hub.subscribe();
        let state = LedgerState {
            services,
            viewer,
            ledger,
            events,
            ended: false,
            _guard: guard,
        };
        Ok(stream::unfold(state, next_ledger_event))
    }
}

struct NotificationState {
    services: Services,
    viewer: MemberId,
    /// The newest notification already delivered.
    cursor: i64,
    events: Receiver<HubEvent>,
    pending: VecDeque<Notification>,
    _guard: SubscriberGuard,
}

async fn next_notification(
    mut state: NotificationState,
) -> Option<(Notification, NotificationState)> {
    loop {
        if let Some(notification) = state.pending.pop_front() {
            state.cursor = state.cursor.max(notification.row.id);
            return Some((notification, state));
        }
        let catch_up = match state.events.recv().await {
            Ok(HubEvent::Notifications { recipient }) => recipient == state.viewer.0,
            Ok(HubEvent::Ledger(_)) => false,
            // Missed events: read what is new from MySQL.
            Err(RecvError::Lagged(_)) => true,
            Err(RecvError::Closed) => return None,
        };
        if catch_up {
            let loaded = async {
                let mut conn = state.services.db.primary().await?;
                newer_than(&mut conn, state.viewer, state.cursor).await
            };
            match loaded.await {
                Ok(notifications) => state.pending.extend(notifications),
                Err(error) => tracing::warn!(%error, "cannot load new notifications"),
            }
        }
    }
}

struct LedgerState {
    services: Services,
    viewer: MemberId,
    ledger: LedgerId,
    events: Receiver<HubEvent>,
    ended: bool,
    _guard: SubscriberGuard,
}

async fn next_ledger_event(mut state: LedgerState) -> Option<(LedgerEvent, LedgerState)> {
    if state.ended {
        return None;
    }
    loop {
        let change = match state.events.recv().await {
            Ok(HubEvent::Ledger(change)) if change.ledger_id == state.ledger.0 => change,
            Ok(_) => continue,
            // The missed events may have been this member's leaving, which
            // nothing would announce again: ask, and end the stream if so.
            Err(RecvError::Lagged(_)) if !still_member(&state).await => return None,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return None,
        };
        let membership_changed = matches!(
            change.kind,
            LedgerEventKind::MemberLeft | LedgerEventKind::LedgerDeleted
        );
        match to_event(&state, &change, membership_changed).await {
            Ok((event, still_member)) => {
                state.ended = !still_member;
                return Some((event, state));
            }
            Err(error) => tracing::warn!(%error, "cannot build a ledger event"),
        }
    }
}

/// Whether the subscriber still belongs to the ledger. When the database
/// cannot say, the stream goes on: the next event checks again.
async fn still_member(state: &LedgerState) -> bool {
    let found = async {
        let mut conn = state.services.db.primary().await?;
        find_for_member(&mut conn, state.ledger, state.viewer).await
    };
    match found.await {
        Ok(membership) => membership.is_some(),
        Err(error) => {
            tracing::warn!(%error, "cannot check a subscriber's membership");
            true
        }
    }
}

/// The event as the subscriber sees it, and whether they still belong to
/// the ledger (checked only when membership may have changed).
async fn to_event(
    state: &LedgerState,
    change: &LedgerChange,
    check_membership: bool,
) -> AppResult<(LedgerEvent, bool)> {
    let mut conn = state.services.db.primary().await?;
    let actor = match change.actor_id {
        Some(actor) => member_queries::find_many(&mut conn, &[actor])
            .await?
            .pop()
            .map(Member::from),
        None => None,
    };
    let still_member = !check_membership
        || find_for_member(&mut conn, state.ledger, state.viewer)
            .await?
            .is_some();
    let event = LedgerEvent {
        kind: change.kind,
        ledger_id: state.ledger.into(),
        actor,
        entry_ids: change
            .entry_ids
            .iter()
            .map(|id| EntryId(*id).into())
            .collect(),
        dates: change.dates.iter().copied().map(Date).collect(),
        at: DateTime(change.at.unwrap_or_default()),
    };
    Ok((event, still_member))
}
