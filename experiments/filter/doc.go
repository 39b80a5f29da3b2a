// Package filter parses MLflow's search language — the filter strings and
// order_by clauses of runs/search and experiments/search — and turns them
// into SQL over Paddock's tracking schema (sqldb/migrations/0002).
//
// A filter is comparisons joined by AND (in any case):
//
//	metrics.f1 > 0.8 and params.lr = '0.01' and tags.team LIKE 'nlp%'
//
// The left side is entity.key, or a bare attribute name. Run entities are
// metrics/metric, params/param/parameters/parameter, tags/tag,
// attributes/attribute/attr/run and datasets/dataset; experiment entities
// are attributes and tags. A key with special characters is quoted with
// backticks or double quotes (tags.`mlflow.source.name`,
// metrics."my metric"); an unquoted key may contain dots. Strings take
// single or double quotes; numbers are decimal with an optional exponent.
// Entity and attribute names are case-sensitive, keywords are not.
//
// Comparators: metrics and time attributes (start_time, end_time,
// created, creation_time, last_update_time) take = != > >= < <=; params,
// tags, string attributes and datasets take = != LIKE ILIKE IN NOT IN;
// experiment names and tags take = != LIKE ILIKE, and experiment tags also
// IS NULL and IS NOT NULL. LIKE is case-sensitive and ILIKE is not; % and
// _ are the only wildcards and there is no escape character.
//
// Semantics follow MLflow's SQL store: a comparison on a metric, param or
// tag needs the run to have that key (so != and NOT IN skip runs without
// it); a dataset comparison needs one of the run's inputs to match. Orders
// put missing values last in both directions (metrics: values, then NaN,
// then missing) and end with start_time DESC (unless ordered on) and
// run_id; experiments default to creation_time DESC, experiment_id.
//
// Where Paddock differs from MLflow, on purpose:
//   - IN and NOT IN also work for params, tags and every string attribute
//     (MLflow: run_id and dataset fields only).
//   - A quote character written twice inside a string stands for one, as
//     in SQL; MLflow keeps both characters. Backslashes are literal in
//     both.
//   - A NaN metric satisfies != and nothing else (IEEE); MLflow's SQL
//     store compares NaN as 0.
//   - attributes.run_name compares the run's name column; MLflow compares
//     the mlflow.runName tag.
//   - Experiment filters also accept the attributes. and attr. prefixes.
//   - Limits: 200 conditions and 10,000 values per filter, 20 order_by
//     clauses.
//
// The SQL is SQLite's, written to port to PostgreSQL where that costs
// nothing; two spots are SQLite-only: LIKE becomes GLOB (SQLite's LIKE
// ignores ASCII case) and datasets.context reads run_inputs.tags with
// json_each. ILIKE folds ASCII letters only on SQLite, as MLflow's own
// SQLite store does.
package filter
