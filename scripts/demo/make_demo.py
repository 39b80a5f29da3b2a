#!/usr/bin/python3
"""Train the demo project's models and write them to demo/assets/.

The demo that `paddock serve` shows on an empty store (package demo) is made
of what this script produces with the real libraries (Debian's
python3-xgboost 1.7 and python3-sklearn 1.2):

    runs.json       every training run: experiment, params, tags, the data
                    set's digest, the final metrics and the per-step curves
                    the library reported while training, how long it took,
                    and when it happened in the demo's story (days_ago);
                    the registered models, their versions (one per
                    registered run) and aliases
    models/<model>/<version>/
                    the MLflow model directory of each registered run:
                    MLmodel + model.json (XGBoost Booster.save_model) or
                    model.pkl (pickle.dump of the scikit-learn pipeline),
                    requirements.txt
    traffic.json    inputs for the demo's synthetic requests, drawn from the
                    same generators on fresh seeds, with their true labels
                    (the demo posts them back as feedback), and each
                    registered version's own output (XGBoost's predict,
                    scikit-learn's predict_proba) on the first rows

Two models:

  churn         XGBoost binary:logistic on examples/churn-xgboost's
                synthetic churn data (its make_data.make), trained as
                examples/churn-xgboost/train.py trains it, with the same
                metric names; a sweep, a label-noise check, a feature
                ablation experiment and a retrain on newer data
  email-intent  scikit-learn pipelines (one-hot channel + scaled counts ->
                LogisticRegression, or gradient boosting) on features an
                upstream parser extracts from an email (keyword counts,
                length, links, channel), four intents: positive, objection,
                unsubscribe, referral

Run from the repository root:  /usr/bin/python3 scripts/demo/make_demo.py
Everything is seeded, so re-running gives the same models and metrics;
only the measured durations change.
"""

import argparse
import hashlib
import importlib.util
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss, recall_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAX_BYTES = 400 * 1024  # the whole of demo/assets stays small: it is in the binary
EXPECTED_ROWS = 8  # traffic rows whose library outputs are kept, for conformance tests


def load_make_data():
    """examples/churn-xgboost/make_data.py, the churn data the job trains on."""
    path = os.path.join(ROOT, "examples", "churn-xgboost", "make_data.py")
    spec = importlib.util.spec_from_file_location("make_data", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CHURN = load_make_data()

# --- email-intent data ---------------------------------------------------------

INTENTS = ["positive", "objection", "unsubscribe", "referral"]
EMAIL_NUMERIC = ["words", "price_terms", "stop_terms", "thanks_terms", "colleague_terms",
                 "question_marks", "links", "reply_hours"]
EMAIL_COLUMNS = ["channel"] + EMAIL_NUMERIC
CHANNELS = ["reply", "forward", "new_thread"]


def make_email(rows, seed):
    """Features a parser extracts from sales-email replies, by intent.

    Each intent shifts the counts (objections talk price and ask
    questions, unsubscribes are short and say stop, referrals are
    forwarded and name a colleague), with enough overlap that a model
    is right most of the time, not always."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(INTENTS), rows, p=[0.4, 0.3, 0.2, 0.1])
    words = np.array([60, 90, 18, 55])[y] * rng.gamma(3.0, 1 / 3.0, rows)
    price = rng.poisson(np.array([0.3, 1.6, 0.1, 0.3])[y])
    stop = rng.poisson(np.array([0.05, 0.3, 1.4, 0.05])[y])
    thanks = rng.poisson(np.array([1.4, 0.5, 0.2, 0.9])[y])
    colleague = rng.poisson(np.array([0.2, 0.2, 0.05, 1.3])[y])
    questions = rng.poisson(np.array([0.8, 1.5, 0.1, 0.6])[y])
    links = rng.poisson(np.array([0.3, 0.2, 0.4, 0.5])[y])
    hours = rng.exponential(np.array([6.0, 20.0, 2.0, 30.0])[y])
    channel_p = np.array([[0.8, 0.05, 0.15], [0.85, 0.05, 0.1], [0.7, 0.05, 0.25], [0.3, 0.6, 0.1]])
    channel = np.array([CHANNELS[rng.choice(3, p=channel_p[c])] for c in y], dtype=object)
    numeric = np.column_stack([np.round(words), price, stop, thanks, colleague, questions, links,
                               np.round(hours, 1)]).astype(float)
    return channel, numeric, np.array(INTENTS, dtype=object)[y]


def email_frame(channel, numeric):
    import pandas as pd
    frame = pd.DataFrame(numeric, columns=EMAIL_NUMERIC)
    frame.insert(0, "channel", channel)
    return frame


# --- helpers ---------------------------------------------------------------------

def digest_of(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).astype(str).tobytes() if a.dtype == object else np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:36]  # MLflow's dataset digest length


def rounded(values, digits=6):
    return [round(float(v), digits) for v in values]


def source_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def timed(fn):
    began = time.monotonic()
    out = fn()
    return out, round(time.monotonic() - began, 3)


# --- churn (XGBoost) ---------------------------------------------------------------

def churn_data(seed, rows):
    X, y = CHURN.make(rows, seed)
    cut = int(0.75 * rows)
    return X[:cut], y[:cut], X[cut:], y[cut:]


def train_churn(data, max_depth, rounds, eta, noise=0.0, drop=()):
    """Train as examples/churn-xgboost/train.py does; return the booster,
    its metrics (train.py's names) and its per-round curves."""
    X_train, y_train, X_test, y_test = data
    keep = [i for i, f in enumerate(CHURN.FEATURES) if f not in drop]
    features = [CHURN.FEATURES[i] for i in keep]
    if noise > 0:
        flip = np.random.default_rng(1).random(len(y_train)) < noise
        y_train = np.where(flip, 1 - y_train, y_train)
    dtrain = xgb.DMatrix(X_train[:, keep], label=y_train, feature_names=features)
    dtest = xgb.DMatrix(X_test[:, keep], label=y_test, feature_names=features)
    history = {}
    booster = xgb.train({"objective": "binary:logistic", "max_depth": max_depth, "eta": eta,
                         "eval_metric": ["auc", "logloss"], "seed": 7, "nthread": 1},
                        dtrain, num_boost_round=rounds, evals=[(dtrain, "train"), (dtest, "test")],
                        evals_result=history, verbose_eval=False)
    pred = (booster.predict(dtest) >= 0.5).astype(int)
    metrics = {"f1": f1_score(y_test, pred), "accuracy": float((pred == y_test).mean()),
               "auc": history["test"]["auc"][-1]}
    for c in (0, 1):
        metrics["recall_%d" % c] = float((pred[y_test == c] == c).mean())
    curves = {"test_auc": history["test"]["auc"], "test_logloss": history["test"]["logloss"],
              "train_logloss": history["train"]["logloss"]}
    return booster, features, metrics, curves


def save_churn_model(path, booster, features, rows):
    os.makedirs(path)
    booster.save_model(os.path.join(path, "model.json"))
    cols = json.dumps([{"type": "double", "name": f, "required": True} for f in features])
    mlmodel = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {"data": "model.json", "loader_module": "mlflow.xgboost",
                                "python_version": "%d.%d.%d" % sys.version_info[:3]},
            "xgboost": {"code": None, "data": "model.json", "model_class": "xgboost.core.Booster",
                        "model_format": "json", "xgb_version": xgb.__version__},
        },
        "mlflow_version": "2.14.2",
        "saved_input_example_info": {"artifact_path": "input_example.json", "pandas_orient": "split",
                                     "type": "dataframe"},
        "signature": {"inputs": cols, "outputs": json.dumps(
            [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]), "params": None},
    }
    write_model_dir(path, mlmodel, {"columns": features, "data": rows[:3].tolist()},
                    ["mlflow==2.14.2", "xgboost==" + xgb.__version__])


# --- email-intent (scikit-learn) ----------------------------------------------------

def email_pipeline(kind, **params):
    prep = ColumnTransformer([("channel", OneHotEncoder(handle_unknown="ignore"), ["channel"]),
                              ("counts", StandardScaler(), EMAIL_NUMERIC)])
    if kind == "gboost":
        return Pipeline([("prep", prep), ("model", GradientBoostingClassifier(random_state=7, **params))])
    return Pipeline([("prep", prep), ("model", LogisticRegression(warm_start=True, **params))])


def email_metrics(model, frame, y):
    proba = model.predict_proba(frame)
    pred = model.predict(frame)
    out = {"accuracy": float((pred == y).mean()), "macro_f1": f1_score(y, pred, average="macro"),
           "log_loss": log_loss(y, proba, labels=model.classes_)}
    for intent, r in zip(INTENTS, recall_score(y, pred, labels=INTENTS, average=None)):
        out["recall_" + intent] = float(r)
    return out


def train_email(data, kind, steps, **params):
    """Fit and record a curve per step: lbfgs iterations for the linear
    model (warm-started one iteration at a time), boosting stages for
    gradient boosting."""
    (train_frame, y_train), (test_frame, y_test) = data
    model = email_pipeline(kind, **params)
    curves = {"train_logloss": [], "val_logloss": [], "val_accuracy": []}
    if kind == "gboost":
        model.fit(train_frame, y_train)
        prep, gb = model.named_steps["prep"], model.named_steps["model"]
        Xt = prep.transform(test_frame)
        curves["train_logloss"] = list(gb.train_score_ / 1.0)
        for proba in gb.staged_predict_proba(Xt):
            curves["val_logloss"].append(log_loss(y_test, proba, labels=gb.classes_))
            curves["val_accuracy"].append(float((gb.classes_[proba.argmax(1)] == y_test).mean()))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(steps):
                model.set_params(model__max_iter=1)
                model.fit(train_frame, y_train)
                curves["train_logloss"].append(log_loss(y_train, model.predict_proba(train_frame), labels=model.classes_))
                curves["val_logloss"].append(log_loss(y_test, model.predict_proba(test_frame), labels=model.classes_))
                curves["val_accuracy"].append(float((model.predict(test_frame) == y_test).mean()))
    return model, email_metrics(model, test_frame, y_test), curves


def save_email_model(path, model, frame):
    os.makedirs(path)
    with open(os.path.join(path, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    cols = json.dumps([{"type": "string" if c == "channel" else "double", "name": c, "required": True}
                       for c in EMAIL_COLUMNS])
    mlmodel = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl",
                                "predict_fn": "predict", "python_version": "%d.%d.%d" % sys.version_info[:3]},
            "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": "pickle",
                        "sklearn_version": sklearn.__version__},
        },
        "mlflow_version": "2.14.2",
        "saved_input_example_info": {"artifact_path": "input_example.json", "pandas_orient": "split",
                                     "type": "dataframe"},
        "signature": {"inputs": cols, "outputs": json.dumps(
            [{"type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1]}}]), "params": None},
    }
    example = {"columns": EMAIL_COLUMNS, "data": frame.head(3).values.tolist()}
    write_model_dir(path, mlmodel, example, ["mlflow==2.14.2", "scikit-learn==" + sklearn.__version__])


def write_model_dir(path, mlmodel, example, requirements):
    import yaml
    with open(os.path.join(path, "input_example.json"), "w") as f:
        json.dump(example, f)
    with open(os.path.join(path, "requirements.txt"), "w") as f:
        f.write("\n".join(requirements) + "\n")
    mlmodel["model_size_bytes"] = sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))
    with open(os.path.join(path, "MLmodel"), "w") as f:
        yaml.safe_dump(mlmodel, stream=f, default_flow_style=False)


# --- the demo's story ------------------------------------------------------------------

def csv_digest(write_fn):
    """The digest train.py logs: sha256 of the training CSV, 36 characters."""
    path = "/tmp/paddock-demo-%d.csv" % os.getpid()
    try:
        write_fn(path)
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:36]
    finally:
        if os.path.exists(path):
            os.remove(path)


def churn_runs(out, commit, sample, expected):
    """The churn story: a sweep on week 1's extract, a label-noise check,
    a feature ablation, and a retrain on week 2's larger extract."""
    week1, week2 = churn_data(11, 4000), churn_data(12, 5600)
    weeks = {"churn-2024w1": week1, "churn-2024w2": week2}
    sets = {name: {"name": name, "digest": csv_digest(lambda p, d=d: CHURN.write(p, d[0], d[1])),
                   "source": "s3://crm-extracts/churn/%s/train.csv" % name, "rows": len(d[1])}
            for name, d in weeks.items()}
    plan = [
        # key, experiment, run name, days ago, data, params, registered as
        ("churn-baseline", "churn-xgboost", "baseline-depth2", 6.2, "churn-2024w1", dict(max_depth=2, rounds=30, eta=0.3), "churn/1"),
        ("churn-d5", "churn-xgboost", "sweep-depth5-eta0.3", 4.4, "churn-2024w1", dict(max_depth=5, rounds=60, eta=0.3), None),
        ("churn-d4", "churn-xgboost", "sweep-depth4-eta0.1", 4.3, "churn-2024w1", dict(max_depth=4, rounds=60, eta=0.1), None),
        ("churn-d3", "churn-xgboost", "sweep-depth3-eta0.2", 4.2, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2), "churn/2"),
        ("churn-noise", "churn-xgboost", "label-noise-0.2", 3.1, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2, noise=0.2), None),
        ("churn-all", "churn-features", "all-features", 5.1, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2), None),
        ("churn-no-support", "churn-features", "without-support_tickets", 5.0, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2, drop=("support_tickets",)), None),
        ("churn-no-usage", "churn-features", "without-logins_30d", 5.0, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2, drop=("logins_30d",)), None),
        ("churn-no-billing", "churn-features", "without-billing", 4.9, "churn-2024w1", dict(max_depth=3, rounds=40, eta=0.2, drop=("late_payments", "discount")), None),
        ("churn-week2", "churn-xgboost", "retrain-week2-depth3-eta0.15", 0.8, "churn-2024w2", dict(max_depth=3, rounds=60, eta=0.15), "churn/3"),
    ]
    runs = []
    for key, exp, name, days, data_name, p, model in plan:
        drop = p.pop("drop", ())
        (booster, features, metrics, curves), took = timed(lambda: train_churn(weeks[data_name], drop=drop, **p))
        params = {"max_depth": p["max_depth"], "rounds": p["rounds"], "eta": p["eta"],
                  "label_noise": p.get("noise", 0.0)}
        if drop:
            params["dropped_features"] = ",".join(drop)
        runs.append({"key": key, "experiment": exp, "name": name, "days_ago": days, "duration_s": took,
                     "user": "maya", "source": "examples/churn-xgboost/train.py", "commit": commit,
                     "params": {k: str(v) for k, v in params.items()}, "dataset": sets[data_name],
                     "metrics": {k: round(float(v), 6) for k, v in metrics.items()},
                     "history": {k: rounded(v) for k, v in curves.items()}, "model": model})
        if model:
            save_churn_model(os.path.join(out, "models", model), booster, features, weeks[data_name][2])
            rows = np.array(sample["rows"][:EXPECTED_ROWS])
            expected[model] = rounded(booster.predict(xgb.DMatrix(rows, feature_names=features)), 9)
    return runs


def email_runs(out, commit, sample, expected):
    """The email-intent story: a regularised baseline, a better linear
    model in production, gradient boosting that is no better, and a
    class-balanced model that finds more referrals (the sales team's ask)
    at some cost in accuracy, waiting as the candidate."""
    ch, num, y = make_email(4000, 21)
    frame = email_frame(ch, num)
    data = ((frame.iloc[:3000], y[:3000]), (frame.iloc[3000:], y[3000:]))
    dataset = {"name": "email-replies-2024w1", "source": "s3://crm-extracts/email/2024w1/replies.parquet",
               "rows": 3000, "digest": csv_digest(lambda p: frame.iloc[:3000].assign(intent=y[:3000]).to_csv(p, index=False))}
    plan = [
        ("email-logreg-strong", "baseline-logreg-C0.05", 5.6, dict(kind="logreg", steps=30, C=0.05), "email-intent/1"),
        ("email-logreg", "logreg-C1", 3.7, dict(kind="logreg", steps=30, C=1.0), "email-intent/2"),
        ("email-gboost", "gboost-30x2", 2.9, dict(kind="gboost", steps=0, n_estimators=30, max_depth=2, learning_rate=0.2), None),
        ("email-logreg-tuned", "logreg-C0.3-balanced", 1.6, dict(kind="logreg", steps=40, C=0.3, class_weight="balanced"), "email-intent/3"),
    ]
    runs = []
    for key, name, days, p, model in plan:
        kind, steps = p.pop("kind"), p.pop("steps")
        (fitted, metrics, curves), took = timed(lambda: train_email(data, kind, steps, **p))
        params = {"estimator": "GradientBoostingClassifier" if kind == "gboost" else "LogisticRegression", **p}
        if kind != "gboost":
            params["max_iter"] = steps
        runs.append({"key": key, "experiment": "email-intent", "name": name, "days_ago": days, "duration_s": took,
                     "user": "sam", "source": "scripts/demo/make_demo.py", "commit": commit,
                     "params": {k: str(v) for k, v in params.items()}, "dataset": dataset,
                     "metrics": {k: round(float(v), 6) for k, v in metrics.items()},
                     "history": {k: rounded(v) for k, v in curves.items()}, "model": model})
        if model:
            save_email_model(os.path.join(out, "models", model), fitted, frame)
            rows = email_frame(np.array([r[0] for r in sample["rows"][:EXPECTED_ROWS]], dtype=object),
                               np.array([r[1:] for r in sample["rows"][:EXPECTED_ROWS]], dtype=float))
            expected[model] = [rounded(p, 9) for p in fitted.predict_proba(rows)]
    return runs


EXPERIMENTS = [
    {"name": "churn-xgboost", "description": "Churn propensity for the retention team: XGBoost on the weekly CRM extract.",
     "tags": {"team": "growth", "model": "churn"}},
    {"name": "churn-features", "description": "Feature ablation for the churn model: what each signal is worth.",
     "tags": {"team": "growth", "model": "churn"}},
    {"name": "email-intent", "description": "Intent of replies to sales emails: positive, objection, unsubscribe, referral.",
     "tags": {"team": "sales-ops", "model": "email-intent"}},
]

MODELS = [
    {"name": "churn", "description": "Probability that a customer cancels within 30 days (XGBoost).",
     "tags": {"team": "growth", "owner": "maya"},
     "versions": [
         {"run": "churn-baseline", "description": "First model: shallow trees on week 1's extract."},
         {"run": "churn-d3", "description": "Best of the depth/eta sweep on week 1; reviewed and promoted."},
         {"run": "churn-week2", "description": "Retrained on week 2's larger extract; in shadow beside production."}],
     "aliases": {"production": 2, "alpha": 3}},
    {"name": "email-intent", "description": "Intent of a reply to a sales email (scikit-learn).",
     "tags": {"team": "sales-ops", "owner": "sam"},
     "versions": [
         {"run": "email-logreg-strong", "description": "Baseline: strongly regularised logistic regression."},
         {"run": "email-logreg", "description": "Logistic regression, C=1: best macro F1; in production."},
         {"run": "email-logreg-tuned", "description": "Class-balanced: finds more referrals, slightly less accurate overall."}],
     "aliases": {"production": 2, "candidate": 3}},
]


def traffic():
    """Fresh rows for the synthetic requests, with their true labels."""
    X, y = CHURN.make(400, 99)
    ch, num, intents = make_email(200, 98)
    email_rows = [[c] + [float(v) for v in row] for c, row in zip(ch, num)]
    return {"churn": {"columns": CHURN.FEATURES, "rows": [[float(v) for v in row] for row in X],
                      "labels": [int(v) for v in y]},
            "email-intent": {"columns": EMAIL_COLUMNS, "rows": email_rows, "labels": list(intents)}}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "demo", "assets"))
    a = p.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(os.path.join(a.out, "models"))
    commit = source_commit()
    sample, expected = traffic(), {}
    runs = churn_runs(a.out, commit, sample["churn"], expected) + email_runs(a.out, commit, sample["email-intent"], expected)
    sample["expected"] = expected
    manifest = {"generated_by": "scripts/demo/make_demo.py",
                "libraries": {"xgboost": xgb.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__},
                "experiments": EXPERIMENTS, "runs": runs, "models": MODELS}
    with open(os.path.join(a.out, "runs.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))
    with open(os.path.join(a.out, "traffic.json"), "w") as f:
        json.dump(sample, f, separators=(",", ":"))
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, files in os.walk(a.out) for n in files)
    for r in runs:
        m = r["metrics"]
        print("%-22s %-30s %s" % (r["key"], r["name"], " ".join("%s=%.3f" % (k, m[k]) for k in ("auc", "f1", "accuracy", "macro_f1") if k in m)))
    print("wrote %s: %d bytes" % (a.out, total))
    if total > MAX_BYTES:
        sys.exit("demo assets are %d bytes, over the %d budget: shrink the models" % (total, MAX_BYTES))


if __name__ == "__main__":
    main()
