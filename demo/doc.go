// Package demo is the project Paddock shows on its first start: when
// `paddock serve` opens an empty store (and the demo is not turned off
// with --no-demo, `demo: false` or PADDOCK_DEMO=false), Seed fills it
// with three tracking experiments of real training runs (their params,
// per-step curves, tags, source commit and data set digest), two
// registered models with three versions each and their lineage, and the
// aliases production and alpha. The serve command then creates a shadow
// live experiment on churn (CreateExperiment), adds a scheduled training
// job (Job) and sends synthetic requests with delayed feedback through
// the HTTP API (Traffic), so that every page of the dashboard has
// something to show within a minute.
//
// Nothing in it is hand-written numbers: the models, metrics and curves
// are what the real libraries produced, embedded from assets/, which
// this command regenerates (Debian's python3-xgboost and python3-sklearn,
// from the repository root):
//
//	/usr/bin/python3 scripts/demo/make_demo.py
//
// It writes assets/runs.json (experiments, runs with their curves and
// metrics, the models and which run each version comes from),
// assets/models/<model>/<version>/ (MLflow model directories: MLmodel
// and model.json or model.pkl) and assets/traffic.json (request inputs
// with true labels, and each version's own outputs on the first rows).
//
// Seeding happens once: it is refused on a store that holds any
// experiment, run, registered model, live experiment or training run,
// and it ends by recording the audit event "demo.seed", which later
// starts find (Seeded), so a restart never seeds twice.
package demo
