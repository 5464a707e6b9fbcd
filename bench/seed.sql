-- The benchmark's data set, made in the server with MariaDB's sequence engine
-- (seq_1_to_N tables), so that seeding takes seconds:
-- 1,000 members (bench1@example.com ... bench1000@example.com, all with the
-- password hash in @hash), each with a private ledger (ids 1-1000) and the
-- default categories; 200 shared ledgers (ids 1001-1200) of 2-5 members;
-- 200,000 entries over the two years up to today (120,000 in the shared
-- ledgers, 80,000 in the private ones); 25 months of budgets per ledger; and
-- schedules with their assignments. Runs on a freshly migrated database.

SET @now = UTC_TIMESTAMP(6);

INSERT INTO members (id, email, nick_name, user_name, password_hash, login_type, created_at, updated_at)
SELECT seq, CONCAT('bench', seq, '@example.com'), CONCAT('bench', seq), CONCAT('벤치', seq),
       @hash, 'EMAIL', @now, @now
FROM seq_1_to_1000;

INSERT INTO ledgers (id, name, relationship, private_owner_id, created_by, created_at, updated_at)
SELECT seq, CONCAT('벤치', seq, '님의 가계부'), '개인', seq, seq, @now, @now
FROM seq_1_to_1000;

-- Shared ledger 1000+s has 2 + s % 4 members: (s*5 + k) % 1000 + 1 for k below
-- that; k = 0 created it and is its ADMIN.
INSERT INTO ledgers (id, name, relationship, private_owner_id, created_by, created_at, updated_at)
SELECT 1000 + seq, CONCAT('공유 가계부 ', seq), ELT(1 + seq % 3, '가족', '커플', '룸메이트'),
       NULL, (seq * 5) % 1000 + 1, @now, @now
FROM seq_1_to_200;

INSERT INTO ledger_members (ledger_id, member_id, role, color, joined_at)
SELECT seq, seq, 'ADMIN', 'gray', @now FROM seq_1_to_1000;

INSERT INTO ledger_members (ledger_id, member_id, role, color, joined_at)
SELECT 1000 + s.seq, (s.seq * 5 + k.seq) % 1000 + 1, IF(k.seq = 0, 'ADMIN', 'MEMBER'),
       ELT(1 + (s.seq + k.seq) % 8, 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'gray'),
       @now + INTERVAL k.seq SECOND
FROM seq_1_to_200 s JOIN seq_0_to_4 k ON k.seq < 2 + s.seq % 4
ORDER BY s.seq, k.seq;

-- Category (l - 1) * 6 + j of ledger l; j = 6 is the fallback.
INSERT INTO categories (id, ledger_id, name, is_fallback, created_at)
SELECT (l.seq - 1) * 6 + j.seq, l.seq,
       ELT(j.seq, '🍽️ 식비', '☕ 카페·간식', '🏠 생활', '🛒 편의점·마트·잡화', '👕 쇼핑', '기타'),
       j.seq = 6, @now
FROM seq_1_to_1200 l JOIN seq_1_to_6 j
ORDER BY l.seq, j.seq;

INSERT INTO entries (ledger_id, entry_type, amount, entry_date, category_id, payment, counterparty,
                     memo, creator_id, created_at, updated_at)
SELECT ledger, IF(i % 10 = 0, 'INCOME', 'EXPENSE'), 1000 + (i * 37 % 200) * 500, day,
       (ledger - 1) * 6 + 1 + i % 6, ELT(1 + i % 3, '현금', '카드', '이체'), CONCAT('가게 ', i % 97),
       IF(i % 4 = 0, NULL, CONCAT('메모 ', i)), creator, day + INTERVAL (i % 86400) SECOND,
       day + INTERVAL (i % 86400) SECOND
FROM (
  SELECT seq AS i,
         IF(seq <= 120000, 1001 + seq % 200, 1 + seq % 1000) AS ledger,
         IF(seq <= 120000,
            ((1 + seq % 200) * 5 + (seq DIV 200) % (2 + (1 + seq % 200) % 4)) % 1000 + 1,
            1 + seq % 1000) AS creator,
         CURDATE() - INTERVAL ((seq * 7919) % 730) DAY AS day
  FROM seq_1_to_200000
) AS generated;

INSERT INTO budgets (ledger_id, year, month, amount, created_at, updated_at)
SELECT l.seq, YEAR(CURDATE() - INTERVAL m.seq MONTH), MONTH(CURDATE() - INTERVAL m.seq MONTH),
       500000 + (l.seq % 10) * 100000, @now, @now
FROM seq_1_to_1200 l JOIN seq_0_to_24 m;

-- Three schedules per shared ledger (split between its ADMIN and its second
-- member), one per private ledger (its owner's).
INSERT INTO schedules (id, ledger_id, name, entry_type, day_of_month, amount, creator_id, created_at, updated_at)
SELECT (s.seq - 1) * 3 + n.seq, 1000 + s.seq, ELT(n.seq, '월세', '통신비', '구독'), 'EXPENSE',
       1 + (s.seq * 7 + n.seq * 11) % 31, 20000 * n.seq, (s.seq * 5) % 1000 + 1, @now, @now
FROM seq_1_to_200 s JOIN seq_1_to_3 n;

INSERT INTO schedule_assignments (schedule_id, member_id, amount)
SELECT (s.seq - 1) * 3 + n.seq, (s.seq * 5 + k.seq) % 1000 + 1, 10000 * n.seq
FROM seq_1_to_200 s JOIN seq_1_to_3 n JOIN seq_0_to_1 k;

INSERT INTO schedules (id, ledger_id, name, entry_type, day_of_month, amount, creator_id, created_at, updated_at)
SELECT 600 + seq, seq, '적금', 'EXPENSE', 1 + seq % 28, 100000, seq, @now, @now
FROM seq_1_to_1000;

INSERT INTO schedule_assignments (schedule_id, member_id, amount)
SELECT 600 + seq, seq, 100000 FROM seq_1_to_1000;

ANALYZE TABLE members, ledgers, ledger_members, categories, entries, budgets, schedules, schedule_assignments;
