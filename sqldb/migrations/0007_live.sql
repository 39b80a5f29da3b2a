-- Live experiments (package serving/live). The configuration file is the
-- source of truth for the experiments it names; this table keeps what
-- must survive a restart: experiments created through the API (spec not
-- NULL) and the state of every experiment (paused, stopped, promoted,
-- rolled back), its canary step and the production version a promotion
-- replaced, so that rollback can restore it.
CREATE TABLE live_experiments (
    name            TEXT PRIMARY KEY,
    spec            TEXT,              -- JSON of an API-created experiment; NULL for file ones
    state           TEXT NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'paused', 'stopped', 'promoted', 'rolled_back', 'awaiting_approval')),
    reason          TEXT NOT NULL DEFAULT '',
    step            INTEGER NOT NULL DEFAULT 0,  -- canary step index
    step_started_us BIGINT NOT NULL DEFAULT 0,
    previous_version BIGINT,           -- production's version before a promotion
    promoted_version BIGINT,           -- the version a promotion moved production to
    updated_us      BIGINT NOT NULL
);

-- Statistics read the labels of a time window.
CREATE INDEX feedback_by_time ON feedback (time_us);
