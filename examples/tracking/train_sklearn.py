#!/usr/bin/python3
"""Train a small scikit-learn classifier and track it in Paddock over plain HTTP.

Run it as a tracked run (Paddock creates the run and passes MLFLOW_RUN_ID):

    paddock run --experiment churn -P alpha=0.0005 -P epochs=12 -- /usr/bin/python3 examples/tracking/train_sklearn.py

or on its own against any Paddock (it then creates its run itself):

    MLFLOW_TRACKING_URI=http://localhost:8080 MLFLOW_TRACKING_TOKEN=<token> /usr/bin/python3 examples/tracking/train_sklearn.py

Only the standard library talks to Paddock (urllib + json), through the same
MLflow REST API the mlflow client uses, so nothing but Debian's python3-sklearn
is needed. It logs params, a metric per epoch (step-wise curves), the data set
it trained on with its digest, and the fitted model as an artifact.
"""
import hashlib
import io
import json
import os
import pickle
import sys
import time
import urllib.request

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import train_test_split

URI = os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:8080").rstrip("/")
TOKEN = os.environ.get("MLFLOW_TRACKING_TOKEN", "")


def call(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(URI + path, data=data, method=method)
    req.add_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
    if TOKEN:
        req.add_header("Authorization", "Bearer " + TOKEN)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"{}")


def api(method, path, body=None):
    return call(method, "/api/2.0/mlflow" + path, body)


def param(name, default):
    # `paddock run -P name=value` logs params on the run before starting the
    # script; reading them back makes the run the single source of truth.
    return RUN_PARAMS.get(name, default)


run_id = os.environ.get("MLFLOW_RUN_ID")
if not run_id:
    exp = os.environ.get("MLFLOW_EXPERIMENT_ID", "0")
    run_id = api("POST", "/runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]
run = api("GET", "/runs/get?run_id=" + run_id)["run"]
RUN_PARAMS = {p["key"]: p["value"] for p in run["data"].get("params", [])}
artifact_uri = run["info"]["artifact_uri"]

alpha = float(param("alpha", "0.0001"))
epochs = int(param("epochs", "10"))
seed = int(param("seed", "7"))

X, y = make_classification(n_samples=2000, n_features=12, n_informative=6, random_state=seed)
digest = hashlib.sha256(np.ascontiguousarray(X).tobytes() + y.tobytes()).hexdigest()[:36]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)

missing = [{"key": k, "value": v} for k, v in {"alpha": str(alpha), "epochs": str(epochs), "seed": str(seed)}.items() if k not in RUN_PARAMS]
api("POST", "/runs/log-batch", {"run_id": run_id, "params": missing,
                                "tags": [{"key": "model_type", "value": "SGDClassifier"}]})
api("POST", "/runs/log-inputs", {"run_id": run_id, "datasets": [{
    "tags": [{"key": "mlflow.data.context", "value": "training"}],
    "dataset": {"name": "synthetic-churn", "digest": digest, "source_type": "code",
                "source": "sklearn.datasets.make_classification(seed=%d)" % seed}}]})

model = SGDClassifier(loss="log_loss", alpha=alpha, random_state=seed)
classes = np.unique(y)
for epoch in range(epochs):
    model.partial_fit(X_train, y_train, classes=classes)
    pred = model.predict(X_test)
    proba = model.predict_proba(X_test)
    now = int(time.time() * 1000)
    api("POST", "/runs/log-batch", {"run_id": run_id, "metrics": [
        {"key": "accuracy", "value": accuracy_score(y_test, pred), "timestamp": now, "step": epoch},
        {"key": "f1", "value": f1_score(y_test, pred), "timestamp": now, "step": epoch},
        {"key": "log_loss", "value": log_loss(y_test, proba), "timestamp": now, "step": epoch},
    ]})
    print("epoch %d: accuracy %.3f" % (epoch, accuracy_score(y_test, pred)))

if artifact_uri.startswith("mlflow-artifacts:/"):
    path = artifact_uri[len("mlflow-artifacts:/"):].strip("/") + "/model/model.pkl"
    call("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + path, raw=pickle.dumps(model))
print("done: run", run_id)
sys.exit(int(os.environ.get("TRAIN_EXIT_CODE", "0")))
