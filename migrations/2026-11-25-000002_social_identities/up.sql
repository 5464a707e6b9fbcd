-- Social sign-in identities: one row per (provider, subject) that a member
-- signs in with; a member may have several (Google and Kakao).
CREATE TABLE member_identities (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  provider VARCHAR(10) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_member_identities_subject (provider, subject),
  UNIQUE KEY uq_member_identities_member_provider (member_id, provider),
  CONSTRAINT fk_member_identities_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
