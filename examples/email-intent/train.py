#!/usr/bin/python3
"""Train the email-intent classifier with scikit-learn and track it in Paddock.

Paddock's training jobs run it with MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and
PADDOCK_PARAM_<NAME> set (see docs/training.md); on its own:

    MLFLOW_TRACKING_URI=http://localhost:8080 MLFLOW_TRACKING_TOKEN=<token> \\
      PADDOCK_PARAM_DATA=./email-data /usr/bin/python3 examples/email-intent/train.py

Params (PADDOCK_PARAM_*): DATA (directory with train.csv and test.csv from
make_data.py), C (inverse regularisation of the LogisticRegression, default
4), LABEL_NOISE (share of training labels replaced by a random intent, to
make a deliberately worse model), MAX_ROWS (train on the first rows only).

The texts become hashed features (features.py: why, and the recipe); the
model is a multinomial LogisticRegression on the four intents (automatic
out-of-office replies are answered by Paddock's rule filter, so they are
left out of training). It logs the params, a loss curve per solver
iteration, accuracy, macro_f1, recall_<intent> and precision_<intent> on
the test set, the data set's digest, confusion_matrix.json
({"labels": [...], "matrix": [[...]]}, rows are true labels, columns
predictions), and the model as an MLflow model directory (model/MLmodel +
model/model.pkl, a plain pickle) that Paddock serves in-process as it is.
"""
import csv
import hashlib
import json
import os
import pickle
import sys
import time
import urllib.error
import urllib.request
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, log_loss, precision_score, recall_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features  # noqa: E402  (beside this script)

INTENTS = ["positive", "objection", "unsubscribe", "referral"]
URI = os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:8080").rstrip("/")
TOKEN = os.environ.get("MLFLOW_TRACKING_TOKEN", "")


def call(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(URI + path, data=data, method=method)
    req.add_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
    if TOKEN:
        req.add_header("Authorization", "Bearer " + TOKEN)
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise SystemExit("%s %s: %d %s" % (method, path, e.code, e.read().decode(errors="replace")))


def api(method, path, body=None):
    return call(method, "/api/2.0/mlflow" + path, body)


def param(name, default):
    return os.environ.get("PADDOCK_PARAM_" + name.upper(), default)


def load(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] in INTENTS]
    X = np.array([features.vector(r["text"]) for r in rows])
    return X, np.array([r["label"] for r in rows])


def fit(X, y, c):
    """Fit one solver iteration at a time (warm start) to log a loss curve."""
    model = LogisticRegression(C=c, max_iter=1, warm_start=True)
    curve = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(60):
            model.fit(X, y)
            curve.append(log_loss(y, model.predict_proba(X), labels=model.classes_))
            if len(curve) > 1 and curve[-2] - curve[-1] < 1e-4:
                break
    return model, curve


def evaluate(model, X, y):
    pred = model.predict(X)
    metrics = {"accuracy": float((pred == y).mean()),
               "macro_f1": float(f1_score(y, pred, labels=INTENTS, average="macro")),
               "log_loss": float(log_loss(y, model.predict_proba(X), labels=model.classes_))}
    recalls = recall_score(y, pred, labels=INTENTS, average=None, zero_division=0)
    precisions = precision_score(y, pred, labels=INTENTS, average=None, zero_division=0)
    for intent, r, p in zip(INTENTS, recalls, precisions):
        metrics["recall_" + intent], metrics["precision_" + intent] = float(r), float(p)
    matrix = confusion_matrix(y, pred, labels=INTENTS).tolist()
    return metrics, {"labels": INTENTS, "matrix": matrix}


MLMODEL = """artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
  sklearn:
    pickled_model: model.pkl
    serialization_format: pickle
    sklearn_version: %s
signature:
  inputs: '%s'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1]}}]'
"""


def main():
    # Params are logged as given: a job has logged them already, and a
    # run's param cannot change value ("4" and "4.0" differ).
    raw = {"data": param("data", "./email-data"), "c": param("c", "4"),
           "label_noise": param("label_noise", "0"), "max_rows": param("max_rows", "0")}
    data_dir, c = raw["data"], float(raw["c"])
    noise, max_rows = float(raw["label_noise"]), int(raw["max_rows"])
    X_train, y_train = load(os.path.join(data_dir, "train.csv"))
    X_test, y_test = load(os.path.join(data_dir, "test.csv"))
    if max_rows > 0:
        X_train, y_train = X_train[:max_rows], y_train[:max_rows]
    if noise > 0:
        rng = np.random.default_rng(1)
        flip = rng.random(len(y_train)) < noise
        y_train = np.where(flip, rng.choice(INTENTS, len(y_train)), y_train)
    digest = hashlib.sha256(open(os.path.join(data_dir, "train.csv"), "rb").read()).hexdigest()

    run_id = os.environ.get("MLFLOW_RUN_ID")
    if not run_id:
        exp = os.environ.get("MLFLOW_EXPERIMENT_ID", "0")
        run_id = api("POST", "/runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]
    artifact_uri = api("GET", "/runs/get?run_id=" + run_id)["run"]["info"]["artifact_uri"]

    model, curve = fit(X_train, y_train, c)
    metrics, confusion = evaluate(model, X_test, y_test)
    now = int(time.time() * 1000)
    logged = [{"key": k, "value": v, "timestamp": now, "step": len(curve)} for k, v in metrics.items()]
    logged += [{"key": "train_log_loss", "value": v, "timestamp": now, "step": i} for i, v in enumerate(curve)]
    raw.update(features=str(features.DIM), train_rows=str(len(y_train)))
    params = [{"key": k, "value": v} for k, v in raw.items()]
    api("POST", "/runs/log-batch", {"run_id": run_id, "metrics": logged, "params": params})
    api("POST", "/runs/log-inputs", {"run_id": run_id, "datasets": [{
        "tags": [{"key": "mlflow.data.context", "value": "training"}],
        "dataset": {"name": "email-replies", "digest": digest[:36], "source_type": "local",
                    "source": json.dumps({"uri": data_dir})}}]})

    columns = json.dumps([{"type": "double", "name": n, "required": True} for n in features.COLUMNS])
    here = os.path.dirname(os.path.abspath(__file__))
    files = {"confusion_matrix.json": json.dumps(confusion).encode(),
             "model/model.pkl": pickle.dumps(model),
             "model/MLmodel": (MLMODEL % (sklearn.__version__, columns)).encode(),
             "model/features.py": open(os.path.join(here, "features.py"), "rb").read()}
    rel = artifact_uri.split("mlflow-artifacts:/", 1)[1]
    for name, content in files.items():
        call("PUT", "/api/2.0/mlflow-artifacts/artifacts/%s/%s" % (rel, name), raw=content)
    print("trained: macro_f1=%.4f accuracy=%.4f %s c=%g noise=%.2f" % (
        metrics["macro_f1"], metrics["accuracy"],
        " ".join("recall_%s=%.3f" % (i, metrics["recall_" + i]) for i in INTENTS), c, noise))


if __name__ == "__main__":
    main()
