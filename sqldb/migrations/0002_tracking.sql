-- Experiment tracking, shaped after MLflow's data model so that its REST
-- API maps one to one. Runs have an integer primary key (run_pk) used by
-- every child table, and the 32-hex run_uuid MLflow clients see.

CREATE TABLE experiments (
    experiment_id     INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL
);

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
    run_pk          INTEGER PRIMARY KEY,
    run_uuid        TEXT NOT NULL UNIQUE,
    experiment_id   INTEGER NOT NULL REFERENCES experiments (experiment_id),
    name            TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      BIGINT,
    end_time        BIGINT,
    artifact_uri    TEXT NOT NULL DEFAULT '',
    lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    BIGINT
);
-- The default listing: an experiment's runs, newest first.
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time DESC, run_pk);

-- Params are immutable once logged (MLflow refuses a changed value).
CREATE TABLE params (
    run_pk INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key_value ON params (key, value);

CREATE TABLE tags (
    run_pk INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags (key, value);

-- Full metric history, in blocks: each log call appends, per metric key,
-- one row holding that call's points as packed (step, timestamp, value)
-- triples sorted by step. A 1000-point batch is ten row appends instead of
-- a thousand B-tree inserts, which is what makes ingestion fast on SQLite;
-- a page of history reads blocks in step order and stops when the page is
-- full. NaN keeps its bits inside the blob (SQLite would make it NULL).
CREATE TABLE metric_blocks (
    block_id   INTEGER PRIMARY KEY,
    run_pk     INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    first_step BIGINT NOT NULL,
    last_step  BIGINT NOT NULL,
    points     INTEGER NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX metric_blocks_by_step ON metric_blocks (run_pk, key, first_step, last_step);

-- The latest point per (run, key): the largest (step, timestamp, value),
-- MLflow's rule. Search filters and sorts on it through the (key, is_nan,
-- value) index instead of scanning the history: conditions and orderings
-- on real values (is_nan = 0) are range scans of that index alone.
CREATE TABLE latest_metrics (
    run_pk    INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    timestamp BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    is_nan    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key_value ON latest_metrics (key, is_nan, value);

-- Dataset inputs (log-inputs): datasets are shared by digest within an
-- experiment; a run links to them with its own input tags (e.g. context).
CREATE TABLE datasets (
    dataset_pk    INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    source_type   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    schema        TEXT NOT NULL DEFAULT '',
    profile       TEXT NOT NULL DEFAULT '',
    UNIQUE (experiment_id, name, digest)
);
CREATE INDEX datasets_by_digest ON datasets (digest);

CREATE TABLE run_inputs (
    run_pk     INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    dataset_pk INTEGER NOT NULL REFERENCES datasets (dataset_pk),
    tags       TEXT NOT NULL DEFAULT '[]', -- JSON list of {key, value}
    PRIMARY KEY (run_pk, dataset_pk)
) WITHOUT ROWID;
CREATE INDEX run_inputs_by_dataset ON run_inputs (dataset_pk);

-- MLflow clients expect experiment "0", named "Default", to exist.
INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 0, 0);
