-- The whole Uliga domain. Text columns use utf8mb4_bin so that names compare
-- exactly (utf8mb4_unicode_ci treats every emoji as equal, which would make
-- "🍽️ 식비" collide with "☕ 카페·간식"); case-insensitive rules use LOWER().
-- Times are DATETIME(6) in UTC; calendar days are DATE.

CREATE TABLE members (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(254) NOT NULL,
  nick_name VARCHAR(19) NOT NULL,
  user_name VARCHAR(30) NOT NULL,
  -- NULL for members who only sign in with a social provider.
  password_hash VARCHAR(255) NULL,
  login_type VARCHAR(10) NOT NULL DEFAULT 'EMAIL',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  deleted_at DATETIME(6) NULL,
  -- Email and nickname are unique among active members, ignoring case; a
  -- deleted member's values become NULL here and so free again.
  active_email VARCHAR(254) AS (IF(deleted_at IS NULL, LOWER(email), NULL)) STORED,
  active_nick_name VARCHAR(19) AS (IF(deleted_at IS NULL, LOWER(nick_name), NULL)) STORED,
  UNIQUE KEY uq_members_active_email (active_email),
  UNIQUE KEY uq_members_active_nick_name (active_nick_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledgers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  relationship VARCHAR(30) NOT NULL,
  -- Set only for a private ledger: one per member.
  private_owner_id BIGINT NULL,
  created_by BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  -- A deleted shared ledger keeps its row so that invitations and
  -- notifications that name it stay readable; its data is deleted.
  deleted_at DATETIME(6) NULL,
  UNIQUE KEY uq_ledgers_private_owner (private_owner_id),
  CONSTRAINT fk_ledgers_private_owner FOREIGN KEY (private_owner_id) REFERENCES members (id),
  CONSTRAINT fk_ledgers_created_by FOREIGN KEY (created_by) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ledger_members (
  -- The id orders members by when they joined (succession, settle-up remainders).
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  role VARCHAR(10) NOT NULL,
  color VARCHAR(10) NOT NULL DEFAULT 'gray',
  joined_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_ledger_members (ledger_id, member_id),
  KEY ix_ledger_members_member (member_id, id),
  CONSTRAINT fk_ledger_members_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE,
  CONSTRAINT fk_ledger_members_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT ck_ledger_members_role CHECK (role IN ('ADMIN', 'MEMBER')),
  CONSTRAINT ck_ledger_members_color CHECK (color IN ('red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'gray'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE invitations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  inviter_id BIGINT NOT NULL,
  invitee_email VARCHAR(254) NOT NULL,
  status VARCHAR(10) NOT NULL DEFAULT 'PENDING',
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  responded_at DATETIME(6) NULL,
  invitee_email_lower VARCHAR(254) AS (LOWER(invitee_email)) STORED,
  -- One pending invitation per (ledger, email): closed ones become NULL here.
  pending_email VARCHAR(254) AS (IF(status = 'PENDING', LOWER(invitee_email), NULL)) STORED,
  UNIQUE KEY uq_invitations_pending (ledger_id, pending_email),
  KEY ix_invitations_invitee (invitee_email_lower, status),
  CONSTRAINT fk_invitations_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE,
  CONSTRAINT fk_invitations_inviter FOREIGN KEY (inviter_id) REFERENCES members (id),
  CONSTRAINT ck_invitations_status CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'CANCELED', 'EXPIRED'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE categories (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  name VARCHAR(30) NOT NULL,
  is_fallback BOOLEAN NOT NULL DEFAULT FALSE,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_categories_name (ledger_id, name),
  CONSTRAINT fk_categories_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  entry_type VARCHAR(7) NOT NULL,
  amount BIGINT NOT NULL,
  entry_date DATE NOT NULL,
  category_id BIGINT NOT NULL,
  payment VARCHAR(20) NOT NULL,
  counterparty VARCHAR(50) NOT NULL,
  memo VARCHAR(500) NULL,
  creator_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_entries_ledger_date (ledger_id, entry_date),
  KEY ix_entries_ledger_category_date (ledger_id, category_id, entry_date),
  KEY ix_entries_creator (creator_id),
  CONSTRAINT fk_entries_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE,
  CONSTRAINT fk_entries_category FOREIGN KEY (category_id) REFERENCES categories (id),
  CONSTRAINT fk_entries_creator FOREIGN KEY (creator_id) REFERENCES members (id),
  CONSTRAINT ck_entries_type CHECK (entry_type IN ('INCOME', 'EXPENSE')),
  CONSTRAINT ck_entries_amount CHECK (amount > 0 AND amount <= 1000000000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE budgets (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  year SMALLINT NOT NULL,
  month TINYINT NOT NULL,
  amount BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_budgets_month (ledger_id, year, month),
  CONSTRAINT fk_budgets_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE,
  CONSTRAINT ck_budgets_month CHECK (month BETWEEN 1 AND 12),
  CONSTRAINT ck_budgets_amount CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE schedules (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT NOT NULL,
  name VARCHAR(50) NOT NULL,
  entry_type VARCHAR(7) NOT NULL,
  day_of_month TINYINT NOT NULL,
  -- NULL: a variable amount.
  amount BIGINT NULL,
  creator_id BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_schedules_ledger (ledger_id),
  CONSTRAINT fk_schedules_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE,
  CONSTRAINT fk_schedules_creator FOREIGN KEY (creator_id) REFERENCES members (id),
  CONSTRAINT ck_schedules_type CHECK (entry_type IN ('INCOME', 'EXPENSE')),
  CONSTRAINT ck_schedules_day CHECK (day_of_month BETWEEN 1 AND 31),
  CONSTRAINT ck_schedules_amount CHECK (amount IS NULL OR amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE schedule_assignments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  schedule_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  -- NULL: a variable share.
  amount BIGINT NULL,
  UNIQUE KEY uq_schedule_assignments (schedule_id, member_id),
  KEY ix_schedule_assignments_member (member_id),
  CONSTRAINT fk_schedule_assignments_schedule FOREIGN KEY (schedule_id) REFERENCES schedules (id) ON DELETE CASCADE,
  CONSTRAINT fk_schedule_assignments_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT ck_schedule_assignments_amount CHECK (amount IS NULL OR amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One SCHEDULE_DUE reminder per (schedule, member, due date), however many
-- instances run the reminder job: the insert that wins the key sends it.
CREATE TABLE schedule_reminders (
  schedule_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  due_date DATE NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (schedule_id, member_id, due_date),
  CONSTRAINT fk_schedule_reminders_schedule FOREIGN KEY (schedule_id) REFERENCES schedules (id) ON DELETE CASCADE,
  CONSTRAINT fk_schedule_reminders_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  recipient_id BIGINT NOT NULL,
  kind VARCHAR(24) NOT NULL,
  message VARCHAR(500) NOT NULL,
  actor_id BIGINT NULL,
  ledger_id BIGINT NULL,
  schedule_id BIGINT NULL,
  invitation_id BIGINT NULL,
  amount BIGINT NULL,
  due_date DATE NULL,
  created_at DATETIME(6) NOT NULL,
  read_at DATETIME(6) NULL,
  KEY ix_notifications_recipient (recipient_id, id),
  KEY ix_notifications_unread (recipient_id, read_at),
  CONSTRAINT fk_notifications_recipient FOREIGN KEY (recipient_id) REFERENCES members (id),
  CONSTRAINT fk_notifications_actor FOREIGN KEY (actor_id) REFERENCES members (id),
  CONSTRAINT fk_notifications_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE SET NULL,
  CONSTRAINT fk_notifications_schedule FOREIGN KEY (schedule_id) REFERENCES schedules (id) ON DELETE SET NULL,
  CONSTRAINT fk_notifications_invitation FOREIGN KEY (invitation_id) REFERENCES invitations (id) ON DELETE SET NULL,
  CONSTRAINT ck_notifications_kind CHECK (kind IN ('INVITATION_RECEIVED', 'INVITATION_ACCEPTED', 'SCHEDULE_ASSIGNED', 'SCHEDULE_DUE', 'MEMBER_LEFT'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
