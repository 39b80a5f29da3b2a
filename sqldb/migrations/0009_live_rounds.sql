-- A live experiment on aliases is a standing comparison: when alpha
-- moves to a new version after a promotion or a rollback, a new round
-- starts. round_started_us bounds the statistics to the current round;
-- ended_alpha_version is the alpha version the last round decided on.
ALTER TABLE live_experiments ADD COLUMN round_started_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_experiments ADD COLUMN ended_alpha_version BIGINT;
