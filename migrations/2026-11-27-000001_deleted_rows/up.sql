-- The ids of rows deleted from a ledger, with their ledger: once a row is
-- gone, this is the only place that still knows which ledger it was in. An
-- id asked for after its deletion answers NOT_FOUND to a member of that
-- ledger and FORBIDDEN to anyone else (src/ledger/tombstones.rs). Ids are
-- never reused, so a tombstone stays true; a ledger's tombstones go with its
-- data when the ledger is deleted.
CREATE TABLE deleted_rows (
  kind VARCHAR(10) NOT NULL,
  row_id BIGINT NOT NULL,
  ledger_id BIGINT NOT NULL,
  deleted_at DATETIME(6) NOT NULL,
  PRIMARY KEY (kind, row_id),
  KEY ix_deleted_rows_ledger (ledger_id),
  CONSTRAINT fk_deleted_rows_ledger FOREIGN KEY (ledger_id) REFERENCES ledgers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
