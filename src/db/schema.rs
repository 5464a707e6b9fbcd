//! Diesel table definitions, kept by hand in step with `migrations/`.
//! Generated columns (`active_email`, `pending_email`, ...) are listed so they
//! can be filtered on; no insert form ever sets them.

diesel::table! {
    members (id) {
        id -> BigInt,
        email -> Varchar,
        nick_name -> Varchar,
        user_name -> Varchar,
        password_hash -> Nullable<Varchar>,
        login_type -> Varchar,
        created_at -> Datetime,
        updated_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
        active_email -> Nullable<Varchar>,
        active_nick_name -> Nullable<Varchar>,
    }
}

diesel::table! {
    ledgers (id) {
        id -> BigInt,
        name -> Varchar,
        relationship -> Varchar,
        private_owner_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
        deleted_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    ledger_members (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        member_id -> BigInt,
        role -> Varchar,
        color -> Varchar,
        joined_at -> Datetime,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        inviter_id -> BigInt,
        invitee_email -> Varchar,
        status -> Varchar,
        created_at -> Datetime,
        expires_at -> Datetime,
        responded_at -> Nullable<Datetime>,
        invitee_email_lower -> Nullable<Varchar>,
        pending_email -> Nullable<Varchar>,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        name -> Varchar,
        is_fallback -> Bool,
        created_at -> Datetime,
    }
}

diesel::table! {
    entries (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        entry_type -> Varchar,
        amount -> BigInt,
        entry_date -> Date,
        category_id -> BigInt,
        payment -> Varchar,
        counterparty -> Varchar,
        memo -> Nullable<Varchar>,
        creator_id -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    budgets (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        year -> SmallInt,
        month -> TinyInt,
        amount -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    schedules (id) {
        id -> BigInt,
        ledger_id -> BigInt,
        name -> Varchar,
        entry_type -> Varchar,
        day_of_month -> TinyInt,
        amount -> Nullable<BigInt>,
        creator_id -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    schedule_assignments (id) {
        id -> BigInt,
        schedule_id -> BigInt,
        member_id -> BigInt,
        amount -> Nullable<BigInt>,
    }
}

diesel::table! {
    schedule_reminders (schedule_id, member_id, due_date) {
        schedule_id -> BigInt,
        member_id -> BigInt,
        due_date -> Date,
        created_at -> Datetime,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        kind -> Varchar,
        message -> Varchar,
        actor_id -> Nullable<BigInt>,
        ledger_id -> Nullable<BigInt>,
        schedule_id -> Nullable<BigInt>,
        invitation_id -> Nullable<BigInt>,
        amount -> Nullable<BigInt>,
        due_date -> Nullable<Date>,
        created_at -> Datetime,
        read_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    member_identities (id) {
        id -> BigInt,
        member_id -> BigInt,
        provider -> Varchar,
        subject -> Varchar,
        created_at -> Datetime,
    }
}

diesel::table! {
    deleted_rows (kind, row_id) {
        kind -> Varchar,
        row_id -> BigInt,
        ledger_id -> BigInt,
        deleted_at -> Datetime,
    }
}

diesel::joinable!(member_identities -> members (member_id));
diesel::joinable!(ledger_members -> ledgers (ledger_id));
diesel::joinable!(ledger_members -> members (member_id));
diesel::joinable!(categories -> ledgers (ledger_id));
diesel::joinable!(entries -> ledgers (ledger_id));
diesel::joinable!(entries -> categories (category_id));
diesel::joinable!(entries -> members (creator_id));
diesel::joinable!(budgets -> ledgers (ledger_id));
diesel::joinable!(schedules -> ledgers (ledger_id));
diesel::joinable!(schedule_assignments -> schedules (schedule_id));
diesel::joinable!(invitations -> ledgers (ledger_id));

diesel::allow_tables_to_appear_in_same_query!(
    members,
    member_identities,
    ledgers,
    ledger_members,
    invitations,
    categories,
    entries,
    budgets,
    schedules,
    schedule_assignments,
    schedule_reminders,
    notifications,
    deleted_rows,
);
