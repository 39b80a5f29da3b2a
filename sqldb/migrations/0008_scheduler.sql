-- Continuous training (package scheduler). The configuration file holds
-- the jobs; these tables keep what must survive a restart: each job's
-- schedule position and trigger marks, every run (queued, running or
-- done) with the process that runs it, and the lease that lets one
-- Paddock process fire jobs when several share the database.
-- Times are Unix microseconds. Plain SQL that PostgreSQL runs as well
-- (run_id there needs an identity column: a .postgres.sql variant).

-- One row per job, created the first time the scheduler sees the job.
CREATE TABLE training_job_state (
    job           TEXT PRIMARY KEY,
    -- The schedule time of the last cron fire handled (fired, skipped by
    -- the concurrency policy or caught up); 0 before the first.
    last_fire_us  BIGINT NOT NULL DEFAULT 0,
    -- The digest of the watched data when last looked at ('' never).
    data_digest   TEXT NOT NULL DEFAULT '',
    -- The highest feedback_id when the job last fired; NULL never.
    feedback_mark BIGINT,
    updated_us    BIGINT NOT NULL
);

-- One row per fire of a job. A fire may take several attempts (retries),
-- each a tracking run; tracking_run_id is the latest attempt's.
CREATE TABLE training_runs (
    run_id           INTEGER PRIMARY KEY,
    job              TEXT NOT NULL,
    model            TEXT NOT NULL,
    fired_by         TEXT NOT NULL
                     CHECK (fired_by IN ('schedule', 'catch_up', 'manual', 'new_data', 'feedback')),
    -- What fired it: the data digest, the feedback count, the caller.
    fire_detail      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL
                     CHECK (status IN ('QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
    reason           TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    tracking_run_id  TEXT NOT NULL DEFAULT '',
    tracking_run_ids TEXT NOT NULL DEFAULT '',  -- every attempt's, comma-separated
    exit_code        INTEGER,
    gate             TEXT NOT NULL DEFAULT '' CHECK (gate IN ('', 'pass', 'fail')),
    gate_report      TEXT NOT NULL DEFAULT '',  -- JSON: the checks and their numbers
    model_version    BIGINT,
    promotion        TEXT NOT NULL DEFAULT '',
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    -- The process running it (the lease holder), the host and the
    -- command's pid with its start time, so that after a crash the
    -- orphaned command is killed and never a process that reused the pid.
    owner            TEXT NOT NULL DEFAULT '',
    host             TEXT NOT NULL DEFAULT '',
    pid              INTEGER NOT NULL DEFAULT 0,
    pid_start        BIGINT NOT NULL DEFAULT 0,
    queued_us        BIGINT NOT NULL,
    started_us       BIGINT,
    finished_us      BIGINT
);
-- A job's history, newest first.
CREATE INDEX training_runs_by_job ON training_runs (job, run_id);
-- The runs not done yet: queued ones to start, running ones to recover.
CREATE INDEX training_runs_active ON training_runs (status, run_id)
    WHERE status IN ('QUEUED', 'RUNNING');

-- Leases: the holder fires jobs until expires_us; another process takes
-- a lease over only once it has expired (UPDATE ... WHERE expires_us < now).
CREATE TABLE scheduler_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_us BIGINT NOT NULL
);
