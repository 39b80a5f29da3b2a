-- The prediction log (package serving/predlog) and the feedback that
-- joins to it. Dark mode comparisons, live accuracy and monitoring read
-- these tables; serving writes predictions in batches through the single
-- writer, so each index here is paid on every logged prediction: keep
-- them to the reads that need them.
--
-- Rows name the model instead of referencing registered_models: the log
-- must accept a prediction even while the model is renamed or deleted,
-- and a foreign key check per row would cost the hot write path.
-- Times are Unix microseconds (time_us), latencies microseconds.

CREATE TABLE predictions (
    prediction_id INTEGER PRIMARY KEY,
    request_id    TEXT NOT NULL,
    time_us       BIGINT NOT NULL,
    model         TEXT NOT NULL,
    version       BIGINT NOT NULL,
    alias         TEXT NOT NULL DEFAULT '',
    -- Which side of an experiment answered: '' outside any experiment.
    arm           TEXT NOT NULL DEFAULT '' CHECK (arm IN ('', 'production', 'alpha', 'shadow')),
    -- NULL outside an experiment, so the experiment index skips the row.
    experiment_id TEXT,
    -- Hex SHA-256 of the canonical input (serving/filters.CanonicalDigest),
    -- '' when the input could not be read.
    input_digest  TEXT NOT NULL DEFAULT '',
    inputs        TEXT,     -- JSON, only when input logging is on
    outputs       TEXT,     -- JSON, NULL when the prediction failed
    latency_us    BIGINT NOT NULL,
    cache_hit     INTEGER NOT NULL DEFAULT 0,
    -- The rule filter that answered instead of the model, '' when none.
    rule          TEXT NOT NULL DEFAULT '',
    error         TEXT      -- NULL on success
);
-- Monitoring and per-model listings: a model's predictions in time order.
CREATE INDEX predictions_by_model_time ON predictions (model, time_us);
-- Dark mode pairs a request's production and alpha rows; feedback joins
-- on the request id.
CREATE INDEX predictions_by_request ON predictions (request_id);
-- An experiment's comparisons over a time window. Partial, so traffic
-- outside experiments does not pay for it (PostgreSQL supports the same).
CREATE INDEX predictions_by_experiment_time ON predictions (experiment_id, time_us)
    WHERE experiment_id IS NOT NULL;

-- Feedback: the true label or value of a request, sent later (seed 000:
-- user-corrected predictions become training data). A request's arms and
-- its feedback join as:
--   SELECT p.arm, p.outputs, f.label
--   FROM predictions p JOIN feedback f ON f.request_id = p.request_id
--   WHERE p.experiment_id = ? AND p.time_us >= ?
CREATE TABLE feedback (
    feedback_id INTEGER PRIMARY KEY,
    request_id  TEXT NOT NULL,
    time_us     BIGINT NOT NULL,
    label       TEXT NOT NULL,  -- JSON: the true label or value
    source      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feedback_by_request ON feedback (request_id, time_us);
