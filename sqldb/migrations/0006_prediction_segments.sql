-- The prediction log stored as segments (package serving/predlog,
-- segment_codec.go): one row per batch of logged predictions of one
-- model and one experiment (or none), the entries packed in `data`.
--
-- A row per prediction (0004's predictions table) cost 15 to 20 µs of
-- the writer's CPU per prediction in B-tree inserts into the table and
-- its three indexes; logging every prediction at 30,000 a second halved
-- serving throughput. A row per batch pays those costs once for
-- hundreds of predictions. The predictions table is kept, no longer
-- written: what it holds can still be read with SQL.
--
-- The columns beside `data` are a summary for choosing the segments a
-- read decodes. Times are Unix microseconds. Invariants the writer
-- keeps and the reader relies on:
--   - every entry of a segment has the segment's model and experiment;
--   - min_time_us <= every entry's time <= max_time_us, and
--     max_time_us - min_time_us <= 10 s (predlog.maxSegmentSpan), so the
--     segments overlapping a window [a, b) are found on an index of
--     min_time_us in [a - 10 s, b);
--   - 1 <= entries <= 65536, the entry's index within the segment being
--     the low 16 bits of its id (segment_id << 16 | index).
-- AUTOINCREMENT keeps a deleted segment's id from being given again, so
-- an entry id names one entry for good.

CREATE TABLE prediction_segments (
    segment_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    model         TEXT NOT NULL,
    -- NULL outside an experiment, so the experiment index skips the row.
    experiment_id TEXT,
    min_time_us   BIGINT NOT NULL,
    max_time_us   BIGINT NOT NULL,
    entries       INTEGER NOT NULL,
    data          BLOB NOT NULL
);
-- Each index is paid once per segment, not per prediction. Reads scan
-- one of them by min_time_us in (min_time_us, segment_id) order, the
-- order the reader merges segments in, so no read sorts.
-- A model's predictions over a time window (monitoring, listings).
CREATE INDEX prediction_segments_by_model_time ON prediction_segments (model, min_time_us);
-- An experiment's predictions over a window (dark mode comparisons).
CREATE INDEX prediction_segments_by_experiment_time ON prediction_segments (experiment_id, min_time_us)
    WHERE experiment_id IS NOT NULL;
-- Every model's predictions over a window.
CREATE INDEX prediction_segments_by_time ON prediction_segments (min_time_us);
