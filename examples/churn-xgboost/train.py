#!/usr/bin/python3
"""Train the churn model with XGBoost and track it in Paddock.

Paddock's training jobs run it with MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and
PADDOCK_PARAM_<NAME> set (see docs/training.md); on its own:

    MLFLOW_TRACKING_URI=http://localhost:8080 MLFLOW_TRACKING_TOKEN=<token> \\
      PADDOCK_PARAM_DATA=./churn-data /usr/bin/python3 examples/churn-xgboost/train.py

Params (PADDOCK_PARAM_*): DATA (directory with train.csv and test.csv),
MAX_DEPTH, ROUNDS, ETA, LABEL_NOISE (share of training labels flipped, to
make a deliberately worse model). It logs the params, an AUC/logloss curve
per boosting round, f1, accuracy, auc and per-class recall on the test
set, the test set's confusion matrix as the artifact confusion_matrix.json
(which the dashboard's version page draws; see docs/registry.md), the data
set's digest, and the model as an MLflow model directory (model/MLmodel +
model/model.json) that Paddock serves as it is.
"""
import hashlib
import json
import os
import time
import urllib.request

import numpy as np
import xgboost as xgb

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
    return os.environ.get("PADDOCK_PARAM_" + name.upper(), default)


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return header[:-1], data[:, :-1], data[:, -1].astype(int)


data_dir = param("data", "./churn-data")
max_depth, rounds = int(param("max_depth", "4")), int(param("rounds", "60"))
eta, noise = float(param("eta", "0.2")), float(param("label_noise", "0"))

features, X_train, y_train = load(os.path.join(data_dir, "train.csv"))
_, X_test, y_test = load(os.path.join(data_dir, "test.csv"))
digest = hashlib.sha256(open(os.path.join(data_dir, "train.csv"), "rb").read()).hexdigest()
if noise > 0:
    rng = np.random.default_rng(1)
    flip = rng.random(len(y_train)) < noise
    y_train = np.where(flip, 1 - y_train, y_train)

run_id = os.environ.get("MLFLOW_RUN_ID")
if not run_id:
    exp = os.environ.get("MLFLOW_EXPERIMENT_ID", "0")
    run_id = api("POST", "/runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]
artifact_uri = api("GET", "/runs/get?run_id=" + run_id)["run"]["info"]["artifact_uri"]

dtrain = xgb.DMatrix(X_train, label=y_train, feature_names=features)
dtest = xgb.DMatrix(X_test, label=y_test, feature_names=features)
history = {}
booster = xgb.train({"objective": "binary:logistic", "max_depth": max_depth, "eta": eta,
                     "eval_metric": ["auc", "logloss"], "seed": 7},
                    dtrain, num_boost_round=rounds, evals=[(dtest, "test")], evals_result=history, verbose_eval=False)

prob = booster.predict(dtest)
pred = (prob >= 0.5).astype(int)
tp, fp, fn = int(((pred == 1) & (y_test == 1)).sum()), int(((pred == 1) & (y_test == 0)).sum()), int(((pred == 0) & (y_test == 1)).sum())
f1 = 2 * tp / max(1, 2 * tp + fp + fn)
now = int(time.time() * 1000)
metrics = [{"key": "f1", "value": f1, "timestamp": now, "step": rounds},
           {"key": "accuracy", "value": float((pred == y_test).mean()), "timestamp": now, "step": rounds},
           {"key": "auc", "value": float(history["test"]["auc"][-1]), "timestamp": now, "step": rounds}]
for c in (0, 1):
    mask = y_test == c
    metrics.append({"key": "recall_%d" % c, "value": float((pred[mask] == c).mean()), "timestamp": now, "step": rounds})
for step, (auc, ll) in enumerate(zip(history["test"]["auc"], history["test"]["logloss"])):
    metrics.append({"key": "test_auc", "value": float(auc), "timestamp": now, "step": step})
    metrics.append({"key": "test_logloss", "value": float(ll), "timestamp": now, "step": step})
params = [{"key": k, "value": str(v)} for k, v in
          {"max_depth": max_depth, "rounds": rounds, "eta": eta, "label_noise": noise}.items()]
for i in range(0, len(metrics), 1000):
    api("POST", "/runs/log-batch", {"run_id": run_id, "metrics": metrics[i:i + 1000], "params": params if i == 0 else []})
api("POST", "/runs/log-inputs", {"run_id": run_id, "datasets": [{
    "tags": [{"key": "mlflow.data.context", "value": "training"}],
    "dataset": {"name": "churn", "digest": digest[:36], "source_type": "local", "source": json.dumps({"uri": data_dir})}}]})

mlmodel = """artifact_path: model
flavors:
  python_function:
    data: model.json
    loader_module: mlflow.xgboost
  xgboost:
    data: model.json
    model_class: xgboost.core.Booster
    model_format: json
    xgb_version: %s
signature:
  inputs: '%s'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]'
""" % (xgb.__version__, json.dumps([{"type": "double", "name": f, "required": True} for f in features]))
booster.save_model("/tmp/paddock-train-%s.json" % run_id)
model_json = open("/tmp/paddock-train-%s.json" % run_id, "rb").read()
os.remove("/tmp/paddock-train-%s.json" % run_id)
rel = artifact_uri.split("mlflow-artifacts:/", 1)[1]
# Rows are the true classes, columns the predicted ones; the labels are
# the class names the per-class metrics use (recall_0, recall_1).
confusion = {"labels": ["0", "1"],
             "matrix": [[int(((y_test == t) & (pred == p)).sum()) for p in (0, 1)] for t in (0, 1)]}
for name, content in (("model/model.json", model_json), ("model/MLmodel", mlmodel.encode()),
                      ("confusion_matrix.json", json.dumps(confusion).encode())):
    call("PUT", "/api/2.0/mlflow-artifacts/artifacts/%s/%s" % (rel, name), raw=content)
print("trained: f1=%.4f auc=%.4f rounds=%d depth=%d noise=%.2f" % (f1, history["test"]["auc"][-1], rounds, max_depth, noise))
