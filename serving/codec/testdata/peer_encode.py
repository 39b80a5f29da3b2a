"""Writes prediction responses the way Paddock's peers do, for encode_test.go.

Reads a JSON list of cases on stdin and prints a JSON list of response
bodies. MLflow and KServe are not installed here, so this script repeats
the calls their servers make with the same libraries (json, numpy):

- MLflow's scoring server, mlflow/pyfunc/scoring_server predictions_to_json:
  json.dump({"predictions": _get_jsonable_obj(raw)}, out, cls=NumpyEncoder),
  where _get_jsonable_obj(ndarray) is ndarray.tolist() and NumpyEncoder
  turns any ndarray left inside a dict into tolist() too.
- KServe's REST server: InferResponse.to_rest with binary_data off builds
  {"name", "shape", "datatype", "data": [v.item() for v in arr.flatten()]}
  per output (str() of each item for BYTES), and Starlette's JSONResponse
  renders it with json.dumps(ensure_ascii=False, allow_nan=False,
  indent=None, separators=(",", ":")). Keys follow the pydantic models'
  field order; fields that are None are left out.
"""
import json
import sys

import numpy as np

DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_, "string": object}
DATATYPES = {"float32": "FP32", "float64": "FP64", "int64": "INT64", "bool": "BOOL", "string": "BYTES"}


def value(v):
    # Go sends NaN, infinities and -0.0 as strings; encoding/json has no
    # other way.
    return float(v) if v in ("nan", "inf", "-inf", "-0.0") else v


def array(out):
    vals = [value(v) for v in out["values"]]
    return np.array(vals, dtype=DTYPES[out["dtype"]]).reshape(out["shape"])


class NumpyEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        return super().default(o)


def mlflow(case):
    outs = case["outputs"]
    if len(outs) == 1:
        raw = array(outs[0]).tolist()
    else:
        raw = {o["name"]: array(o) for o in outs}
    return json.dumps({"predictions": raw}, cls=NumpyEncoder)


def tensor(case):
    return json.dumps(array(case["outputs"][0]).tolist())


def v2(case):
    outputs = []
    for o in case["outputs"]:
        arr = array(o)
        if o["dtype"] == "string":
            data = [str(v) for v in arr.flatten()]  # np.nditer(refs_ok) items
        else:
            data = [v.item() for v in arr.flatten()]
        outputs.append({"name": o["name"], "shape": list(arr.shape), "datatype": DATATYPES[o["dtype"]], "data": data})
    res = {"model_name": case["model_name"], "model_version": case["model_version"]}
    if case.get("id"):
        res["id"] = case["id"]
    if case.get("parameters") is not None:
        res["parameters"] = case["parameters"]
    res["outputs"] = outputs
    try:
        return json.dumps(res, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    except ValueError as e:
        return "error: " + str(e)


KINDS = {"mlflow": mlflow, "tensor": tensor, "v2": v2}
cases = json.load(sys.stdin)
json.dump([KINDS[c["kind"]](c) for c in cases], sys.stdout)
