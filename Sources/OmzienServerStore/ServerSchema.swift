import OmzienStore

/// The server's own tables, in the same SQLite file as its replica store (one connection
/// per file). Migrations are named and recorded by `Migrator`.
///
/// - `principals`: every token, stored only as SHA-256 of the token (R-SYNC-4).
/// - `enrollment_codes`: one-time codes, stored as SHA-256, with expiry and use time.
/// - `record_scope`: the store each record belongs to, fixed by its first operation (R-SYNC-5).
/// - `feed`: (store, arrival position) of every operation: the per-store change feed that
///   pulls read (R-SYNC-10).
/// - `quarantine`: operations stamped too far in the future, checked and kept whole, with
///   their sequence, hash, clock and size beside them (R-SYNC-13; see SyncService+Quarantine).
/// - `partners`, `partner_tokens`: one welfare partner per region, its tokens (hashed).
/// - `case_notes`: partner-internal notes; never part of a signal, never sent to a store.
/// - `audit_log`: every partner read and export, hash-chained (Protocol/PARTNERS.md).
/// - `referral_events`: when the server first saw a referral submitted, accepted, contacted
///   (server time): what response-time reports measure.
/// - `handovers`: open referrals that followed their store to another region (R-PART-12).
/// - `referral_custody`: the region whose partner a referral belongs to, once a move of its
///   store made that differ from the store's region or could: written for every referral of a
///   moving store that is past draft (R-PART-14). Without a row, the store's region decides.
/// - `headoffice_tokens`: tokens that may read aggregate reports and nothing else, with an
///   id (the token's first 12 characters), a label and an expiry (R-OPS-7).
/// - `audit_state`: the audit chain's recorded head and whether it is keyed (ServerStore+Audit).
public enum ServerSchema {
    public static let migrations: [Migration] = [
        Migration(name: "2026-11-22-server-v1", sql: """
            CREATE TABLE regions(
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE stores(
                id TEXT PRIMARY KEY,
                region TEXT NOT NULL REFERENCES regions(id),
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE principals(
                token_hash BLOB PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('admin', 'device')),
                replica TEXT UNIQUE,
                store TEXT REFERENCES stores(id),
                label TEXT,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE enrollment_codes(
                code_hash BLOB PRIMARY KEY,
                store TEXT NOT NULL REFERENCES stores(id),
                expires_at INTEGER NOT NULL,
                used_at INTEGER,
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE record_scope(
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                store TEXT NOT NULL,
                PRIMARY KEY (kind, id)
            ) WITHOUT ROWID;
            CREATE TABLE feed(
                store TEXT NOT NULL,
                pos INTEGER NOT NULL,
                PRIMARY KEY (store, pos)
            ) WITHOUT ROWID;
            CREATE TABLE quarantine(
                replica TEXT NOT NULL,
                seq INTEGER NOT NULL,
                operation TEXT NOT NULL,
                reason TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (replica, seq)
            ) WITHOUT ROWID;
            """),
            Migration(name: "2026-11-22-partners-v1", sql: """
            CREATE TABLE partners(
                id TEXT PRIMARY KEY,
                region TEXT NOT NULL UNIQUE REFERENCES regions(id),
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE partner_tokens(
                token_hash BLOB PRIMARY KEY,
                partner TEXT NOT NULL REFERENCES partners(id),
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE case_notes(
                id INTEGER PRIMARY KEY,
                partner TEXT NOT NULL,
                referral TEXT NOT NULL,
                at INTEGER NOT NULL,
                author TEXT NOT NULL,
                text TEXT NOT NULL
            );
            CREATE TABLE audit_log(
                seq INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                token TEXT NOT NULL,
                action TEXT NOT NULL,
                referral TEXT NOT NULL,
                prev_hash BLOB NOT NULL,
                hash BLOB NOT NULL
            );
            """),
            Migration(name: "2026-11-22-reports-v1", sql: """
            CREATE TABLE referral_events(
                referral TEXT NOT NULL,
                store TEXT NOT NULL,
                event TEXT NOT NULL CHECK (event IN ('submitted', 'accepted', 'contact')),
                at INTEGER NOT NULL,
                PRIMARY KEY (referral, event)
            ) WITHOUT ROWID;
            CREATE TABLE handovers(
                seq INTEGER PRIMARY KEY,
                referral TEXT NOT NULL,
                store TEXT NOT NULL,
                from_region TEXT NOT NULL,
                to_region TEXT NOT NULL,
                at INTEGER NOT NULL
            );
            CREATE TABLE headoffice_tokens(
                token_hash BLOB PRIMARY KEY,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            ) WITHOUT ROWID;
            """),
        // Parked operations are checked before they are parked and read without decoding
        // (R-SYNC-13); rows of older versions were parked unchecked and are dropped: a parked
        // operation is never acknowledged, so its device still has it and sends it again.
        Migration(name: "2026-12-02-quarantine-v2", sql: """
            DELETE FROM quarantine;
            ALTER TABLE quarantine ADD COLUMN wall INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE quarantine ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
            ALTER TABLE quarantine ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
            """),
        // Retry-safe enrollment (R-SYNC-2a): the hash of the device's enrollment nonce and the
        // replica the code enrolled, so that a retry with the same nonce gets the same device.
        Migration(name: "2026-12-02-enrollment-nonce", sql: """
            ALTER TABLE enrollment_codes ADD COLUMN nonce_hash BLOB;
            ALTER TABLE enrollment_codes ADD COLUMN replica TEXT;
            """),
        // Admin and head-office tokens expire and head-office tokens have ids (R-OPS-6/7).
        // Tokens issued before this get 90 days from the upgrade; old head-office tokens get
        // an id from their hash, since the token itself was never stored.
        Migration(name: "2026-12-03-token-expiry", sql: """
            ALTER TABLE principals ADD COLUMN expires_at INTEGER;
            UPDATE principals SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7776000000 WHERE kind = 'admin';
            ALTER TABLE headoffice_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE headoffice_tokens ADD COLUMN id TEXT;
            ALTER TABLE headoffice_tokens ADD COLUMN label TEXT;
            UPDATE headoffice_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7776000000,
                id = 'old-' || lower(hex(substr(token_hash, 1, 4)));
            CREATE UNIQUE INDEX headoffice_tokens_id ON headoffice_tokens(id);
            """),
        // An erase reaches parked operations (R-PRIV-2): each row says which record it is for.
        Migration(name: "2026-12-03-quarantine-record", sql: """
            ALTER TABLE quarantine ADD COLUMN kind TEXT;
            ALTER TABLE quarantine ADD COLUMN record TEXT;
            UPDATE quarantine SET kind = json_extract(operation, '$.kind'), record = json_extract(operation, '$.record');
            CREATE INDEX quarantine_record ON quarantine(kind, record);
            """),
            // Who sees a referral follows from the hand-over record, not from the store's region
        // at read time (R-PART-14). Referrals handed over before this get their last hand-over's
        // region; the cases a moved store had finished before this migration cannot be told
        // apart any more and follow the store (Protocol/PARTNERS.md says so).
        Migration(name: "2026-12-03-referral-custody", sql: """
            CREATE TABLE referral_custody(
                referral TEXT PRIMARY KEY,
                store TEXT NOT NULL,
                region TEXT NOT NULL,
                since INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX referral_custody_region ON referral_custody(region, store);
            INSERT INTO referral_custody(referral, store, region, since)
                SELECT h.referral, h.store, h.to_region, h.at FROM handovers h
                WHERE h.seq = (SELECT max(seq) FROM handovers WHERE referral = h.referral);
            """),
        // A device token's first use (R-SYNC-2a): once used, a late copy of its enrollment
        // cannot replace it. Devices enrolled before this are taken as used.
        Migration(name: "2026-12-03-principal-first-use", sql: """
            ALTER TABLE principals ADD COLUMN first_used_at INTEGER;
            UPDATE principals SET first_used_at = created_at WHERE kind = 'device';
            """),
        // A revoked device may be told to erase its local data (PRIVACY.md R-PRIV-10).
        Migration(name: "2026-12-03-lifecycle-wipe", sql: """
            ALTER TABLE principals ADD COLUMN wipe INTEGER NOT NULL DEFAULT 0;
            """),
        // Person accounts, personal tokens and the follow-up history the web pages show
        // (issue 13; PARTNERS.md section 10, R-WEB-1..6). `accounts`: one row per person, the
        // password as PBKDF2 (salt, hash, iterations), never the password; `person_tokens`:
        // SHA-256 of each personal token; `followup_history`: who moved a referral to which
        // state when (an actor pseudonym, never a store's reporter).
        Migration(name: "2026-12-03-web-accounts", sql: """
            CREATE TABLE accounts(
                name TEXT PRIMARY KEY,
                partner TEXT REFERENCES partners(id),
                role TEXT NOT NULL,
                salt BLOB NOT NULL,
                password_hash BLOB NOT NULL,
                iterations INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                disabled_at INTEGER,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX accounts_partner ON accounts(partner);
            CREATE TABLE person_tokens(
                token_hash BLOB PRIMARY KEY,
                account TEXT NOT NULL REFERENCES accounts(name),
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE followup_history(
                seq INTEGER PRIMARY KEY,
                referral TEXT NOT NULL,
                at INTEGER NOT NULL,
                state TEXT NOT NULL,
                actor TEXT NOT NULL
            );
            CREATE INDEX followup_history_referral ON followup_history(referral, seq);
            """),
        // The audit chain's head and keyed flag leave the replica store's private `replica_meta`
        // for a table of the server's own (issue 14); the values move as they are.
        Migration(name: "2026-12-03-audit-state", sql: """
            CREATE TABLE audit_state(
                key TEXT PRIMARY KEY,
                value BLOB NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO audit_state(key, value) SELECT key, value FROM replica_meta WHERE key IN ('audit_head', 'audit_keyed');
            DELETE FROM replica_meta WHERE key IN ('audit_head', 'audit_keyed');
            """),
        // Password change and reset, personal tokens one by one (issue 13; PARTNERS.md
        // R-WEB-5, R-WEB-6). `credential_epoch` moves on with every new password: a web
        // session made under an older epoch is dead. A personal token gets an id, its first
        // 12 characters (what the audit log keeps); a token from before has `h` and 12 hex
        // digits of its hash.
        Migration(name: "2026-12-03-web-credentials", sql: """
            ALTER TABLE accounts ADD COLUMN credential_epoch INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE person_tokens ADD COLUMN id TEXT;
            UPDATE person_tokens SET id = 'h' || lower(hex(substr(token_hash, 1, 6))) WHERE id IS NULL;
            CREATE INDEX person_tokens_account ON person_tokens(account, id);
            """),
    ]
}
