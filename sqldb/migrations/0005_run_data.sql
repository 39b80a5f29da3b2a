-- A copy of each run (package experiments, run_data_copy.go): its info,
-- latest metrics, params, tags and dataset input links as JSON lists, one
-- row per run, so that a page of search results reads one row per run
-- instead of five tables. The tables stay the source of truth: every
-- write that changes one of them rebuilds the run's list of that kind in
-- the same transaction, with the expressions below, and a test holds the
-- copy to the tables.
--
-- info    [run_uuid, experiment_id, name, user_id, status, start_time,
--          end_time, artifact_uri, lifecycle_stage]
-- metrics [[key, value, timestamp, step, is_nan], ...]
-- params  [[key, value], ...]
-- tags    [[key, value], ...]
-- inputs  [[dataset_pk, [{"key": k, "value": v}, ...]], ...]
--
-- SQLite writes doubles with up to 17 significant digits, which read back
-- to the same double, and infinities as ±9.0e+999. The JSON functions are
-- SQLite's; PostgreSQL would take a 0005_run_data.postgres.sql with
-- json_agg in their place.

CREATE TABLE run_data (
    run_pk  INTEGER PRIMARY KEY REFERENCES runs (run_pk) ON DELETE CASCADE,
    info    TEXT NOT NULL,
    metrics TEXT NOT NULL,
    params  TEXT NOT NULL,
    tags    TEXT NOT NULL,
    inputs  TEXT NOT NULL
);

INSERT INTO run_data (run_pk, info, metrics, params, tags, inputs)
SELECT r.run_pk,
    (SELECT json_array(x.run_uuid, x.experiment_id, x.name, x.user_id, x.status, x.start_time, x.end_time, x.artifact_uri, x.lifecycle_stage) FROM runs x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value, x.timestamp, x.step, x.is_nan) ORDER BY x.key) FROM latest_metrics x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM params x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM tags x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.dataset_pk, json(CASE WHEN json_valid(x.tags) THEN x.tags ELSE '[]' END)) ORDER BY x.dataset_pk) FROM run_inputs x WHERE x.run_pk = r.run_pk)
FROM runs r;
