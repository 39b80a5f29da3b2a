-- The model registry (package registry) and the audit log (package audit).
--
-- Registered models have an integer key (model_pk) that every child table
-- uses, so a rename touches one row. AUTOINCREMENT keeps model_pk, the
-- alias event sequence and audit ids from ever being reused: artifact keys
-- (mlartifacts/models/<model_pk>/<version>/...) and feed positions stay
-- unique for the life of the database.

CREATE TABLE registered_models (
    model_pk          INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL UNIQUE,
    description       TEXT NOT NULL DEFAULT '',
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    -- The number the next version gets: numbers are never reused, even
    -- after a version is deleted (MLflow keeps deleted versions for that).
    next_version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE registered_model_tags (
    model_pk INTEGER NOT NULL REFERENCES registered_models (model_pk) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_pk, key)
) WITHOUT ROWID;

CREATE TABLE model_versions (
    version_pk        INTEGER PRIMARY KEY,
    model_pk          INTEGER NOT NULL REFERENCES registered_models (model_pk) ON DELETE CASCADE,
    version           INTEGER NOT NULL,
    -- MAJOR.MINOR.PIPELINE, NULL when the version has no semantic label.
    semver            TEXT,
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    user_id           TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')),
    status_message    TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL,
    run_id            TEXT NOT NULL DEFAULT '',
    run_link          TEXT NOT NULL DEFAULT '',
    -- Legacy MLflow stage when no staging/production alias points here:
    -- 'None' or 'Archived' (see registry/stage.go).
    stage             TEXT NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Archived')),
    flavor            TEXT NOT NULL DEFAULT '',
    signature         TEXT NOT NULL DEFAULT '',
    -- Where the version's files live in the artifact store ('' when the
    -- source is external and nothing was copied), and the digest of the
    -- file manifest below.
    artifact_prefix   TEXT NOT NULL DEFAULT '',
    artifact_digest   TEXT NOT NULL DEFAULT '',
    -- The run's latest metrics at registration, a JSON list.
    metrics           TEXT NOT NULL DEFAULT '[]',
    parent_version    INTEGER,
    UNIQUE (model_pk, version),
    UNIQUE (model_pk, semver)
);
CREATE INDEX model_versions_by_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
    version_pk INTEGER NOT NULL REFERENCES model_versions (version_pk) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (version_pk, key)
) WITHOUT ROWID;

-- Every file of a version with the digest it had when it was registered;
-- downloads check the store's content against this list.
CREATE TABLE model_version_files (
    version_pk INTEGER NOT NULL REFERENCES model_versions (version_pk) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    PRIMARY KEY (version_pk, path)
) WITHOUT ROWID;

CREATE TABLE model_aliases (
    model_pk     INTEGER NOT NULL REFERENCES registered_models (model_pk) ON DELETE CASCADE,
    alias        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    updated_time BIGINT NOT NULL,
    PRIMARY KEY (model_pk, alias)
) WITHOUT ROWID;

-- The change feed of alias moves that serving follows. seq is the feed
-- position: strictly increasing, so a subscriber resumes after the last
-- seq it saw. version is NULL when the alias was removed.
CREATE TABLE alias_events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       BIGINT NOT NULL,
    model    TEXT NOT NULL,
    alias    TEXT NOT NULL,
    version  INTEGER,
    previous INTEGER,
    actor    TEXT NOT NULL
);

-- Approval policies set through the API (the configuration file holds the
-- others): the aliases of one model whose moves need an admin's approval.
CREATE TABLE approval_policies (
    model_pk     INTEGER PRIMARY KEY REFERENCES registered_models (model_pk) ON DELETE CASCADE,
    aliases      TEXT NOT NULL, -- JSON list of alias names, "*" for all
    updated_time BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);

CREATE TABLE approval_requests (
    request_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    model_pk         INTEGER NOT NULL REFERENCES registered_models (model_pk) ON DELETE CASCADE,
    alias            TEXT NOT NULL,
    version          INTEGER,          -- the proposed target, NULL to remove the alias
    from_version     INTEGER,          -- where the alias pointed when asked
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by     TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    evidence         TEXT NOT NULL DEFAULT '[]', -- JSON list of links
    created_time     BIGINT NOT NULL,
    decided_by       TEXT NOT NULL DEFAULT '',
    decision_comment TEXT NOT NULL DEFAULT '',
    decided_time     BIGINT
);
CREATE INDEX approval_requests_by_status ON approval_requests (status, request_id);

-- The audit log: who changed what, when, from what to what. Rows name
-- their resource by kind and id instead of a foreign key, so the history
-- of a deleted model stays readable. Append-only: the triggers below
-- refuse every UPDATE and DELETE, whoever issues them. (Trigger syntax is
-- SQLite's; a PostgreSQL port adds 0003_registry.postgres.sql.)
CREATE TABLE audit_events (
    event_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    before        TEXT,
    after         TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_by_time ON audit_events (at, event_id);
CREATE INDEX audit_events_by_resource ON audit_events (resource_kind, resource_id, event_id);
CREATE INDEX audit_events_by_actor ON audit_events (actor, event_id);
CREATE INDEX audit_events_by_action ON audit_events (action, event_id);

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER alias_events_append_only_update BEFORE UPDATE ON alias_events
BEGIN
    SELECT RAISE(ABORT, 'alias_events is append-only');
END;

CREATE TRIGGER alias_events_append_only_delete BEFORE DELETE ON alias_events
BEGIN
    SELECT RAISE(ABORT, 'alias_events is append-only');
END;
