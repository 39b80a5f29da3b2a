"""The Python peer of the serving benchmark: MLflow's scoring server, minus MLflow.

MLflow cannot be installed on the reference machine (no package index), so
this Flask app does, step for step, what `mlflow models serve` does for an
XGBoost model with no signature (mlflow/pyfunc/scoring_server/__init__.py,
mlflow/utils/proto_json_utils.py and mlflow/xgboost/__init__.py):

  - POST /invocations reads the body as UTF-8 and checks the Content-Type
    (application/json, charset utf-8 only);
  - json.loads the body, requires exactly one of the four input keys, and
    builds the DataFrame for "dataframe_split" as
    pd.DataFrame(index=..., columns=..., data=...);
  - predicts as MLflow's _XGBModelWrapper does:
    booster.predict(xgb.DMatrix(dataframe));
  - answers {"predictions": ndarray.tolist()} written by json.dump into a
    StringIO, as a flask.Response with mimetype application/json.

Run it as MLflow does, under gunicorn with sync workers:
  PEER_MODEL=model.json /usr/bin/python3 -m gunicorn -w 2 -b HOST:PORT peer:app
"""

import json
import os
from io import StringIO

import flask
import pandas as pd
import xgboost as xgb

SUPPORTED_FORMATS = {"dataframe_records", "dataframe_split", "instances", "inputs"}


def load_model(path):
    """Load the booster as mlflow.xgboost._load_model does."""
    booster = xgb.Booster()
    booster.load_model(path)
    return booster


def bad_request(message):
    """MLflow's error body for a malformed request (BAD_REQUEST is 400)."""
    body = json.dumps({"error_code": "BAD_REQUEST", "message": message})
    return flask.Response(response=body, status=400, mimetype="application/json")


def parse_content_type(content_type):
    """Split a Content-Type into its MIME type and parameters, as MLflow does."""
    parts = [p.strip() for p in (content_type or "").split(";")]
    params = {k: v for pair in parts[1:] for k, _, v in [pair.partition("=")]}
    return parts[0], params


def dataframe_from_split(decoded):
    """mlflow.utils.proto_json_utils.dataframe_from_parsed_json, orient "split"."""
    if not isinstance(decoded, dict):
        raise ValueError("Dataframe split format must be a dictionary.")
    keys = set(decoded.keys())
    if "data" not in keys or keys - {"columns", "data", "index"}:
        raise ValueError(f"Dataframe split format must have 'data' field. Got {keys}.")
    return pd.DataFrame(
        index=decoded.get("index"), columns=decoded.get("columns"), data=decoded["data"]
    )


def parse_json(data):
    """Decode the body and build the DataFrame for dataframe_split input."""
    decoded = json.loads(data)
    if not isinstance(decoded, dict):
        raise ValueError("The input must be a JSON dictionary.")
    formats = set(decoded.keys()) & SUPPORTED_FORMATS
    if formats != {"dataframe_split"}:
        raise ValueError(f"This peer serves dataframe_split only; got {list(decoded.keys())}.")
    return dataframe_from_split(decoded["dataframe_split"])


def create_app(model_path):
    """The Flask app: /ping and /invocations, as MLflow's scoring_server.init."""
    app = flask.Flask(__name__)
    booster = load_model(model_path)

    @app.route("/ping", methods=["GET"])
    def ping():
        return flask.Response(response="\n", status=200, mimetype="application/json")

    @app.route("/invocations", methods=["POST"])
    def invocations():
        data = flask.request.data.decode("utf-8")
        mime, params = parse_content_type(flask.request.content_type)
        if mime != "application/json" or params.get("charset", "utf-8").lower() != "utf-8":
            return flask.Response(
                response="This predictor only supports application/json in UTF-8",
                status=415,
                mimetype="text/plain",
            )
        try:
            df = parse_json(data)
        except ValueError as e:
            return bad_request(str(e))
        raw = booster.predict(xgb.DMatrix(df))
        result = StringIO()
        json.dump({"predictions": raw.tolist()}, result)
        return flask.Response(response=result.getvalue(), status=200, mimetype="application/json")

    return app


app = create_app(os.environ["PEER_MODEL"])
