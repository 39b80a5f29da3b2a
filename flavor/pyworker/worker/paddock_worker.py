"""Paddock Python worker: loads one model and answers framed JSON requests.

Paddock starts this file with a Python 3 interpreter and talks to it over
stdin/stdout. Every message is a frame: a 4-byte big-endian length followed
by that many bytes of UTF-8 JSON holding one object. See
docs/python-worker-protocol.md for the full protocol.

File descriptors 0 and 1 belong to the protocol. At start the worker moves
them to private descriptors and points fd 0 at /dev/null and fd 1 at
stderr, so that a model that prints (from Python or from C code) or reads
stdin cannot corrupt the frame stream.
"""

import base64
import binascii
import importlib
import importlib.util
import json
import math
import os
import pickle
import struct
import sys
import traceback

PROTOCOL_VERSION = 1
DEFAULT_MAX_FRAME = 64 << 20
HEADER = struct.Struct(">I")

# Error kinds, mapped by the Go side to its error vocabulary.
KIND_INPUT = "input"          # the request's tensors are malformed
KIND_MODEL = "model"          # the model raised
KIND_UNSUPPORTED = "unsupported"  # the model needs something missing here
KIND_PROTOCOL = "protocol"    # the request itself is malformed

ERROR_TYPES = {KIND_INPUT: "InputError", KIND_MODEL: "ModelError",
               KIND_UNSUPPORTED: "UnsupportedError",
               KIND_PROTOCOL: "ProtocolError"}


class WorkerError(Exception):
    """An error with a protocol error kind."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


class ProtocolViolation(Exception):
    """The frame stream is broken; the worker must exit."""


def read_frame(stream, max_frame):
    """Return the next JSON object, or None at a clean end of input."""
    header = stream.read(HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise ProtocolViolation("truncated frame header")
    (size,) = HEADER.unpack(header)
    if size == 0 or size > max_frame:
        raise ProtocolViolation(f"frame of {size} bytes (max {max_frame})")
    payload = stream.read(size)
    if len(payload) < size:
        raise ProtocolViolation("truncated frame payload")
    try:
        msg = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolViolation(f"frame is not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise ProtocolViolation("frame is not a JSON object")
    return msg


def encode_frame(msg):
    """Serialize msg as a frame; NaN and infinities are never emitted."""
    payload = json.dumps(msg, ensure_ascii=False, allow_nan=False,
                         separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(payload)) + payload


class Channel:
    """The protocol side of the worker's stdin and stdout."""

    def __init__(self, max_frame):
        self.max_frame = max_frame
        self.inp = os.fdopen(os.dup(0), "rb")
        self.out = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdout.flush()
        os.dup2(2, 1)
        sys.stdin = open(os.devnull, "r")
        sys.stdout = sys.stderr

    def read(self):
        return read_frame(self.inp, self.max_frame)

    def send(self, msg):
        req_id = msg.get("id", 0)
        try:
            frame = encode_frame(msg)
        except (TypeError, ValueError) as exc:
            frame = encode_frame(error_reply(
                req_id, KIND_MODEL, "ResponseNotJSON",
                f"the reply cannot be encoded as JSON: {exc}", ""))
        if len(frame) - HEADER.size > self.max_frame:
            frame = encode_frame(error_reply(
                req_id, KIND_MODEL, "ResponseTooLarge",
                f"response of {len(frame) - HEADER.size} bytes exceeds the "
                f"{self.max_frame}-byte frame limit", ""))
        self.out.write(frame)
        self.out.flush()


def error_reply(req_id, kind, etype, message, tb):
    return {"id": req_id, "ok": False,
            "error": {"kind": kind, "type": etype, "message": message,
                      "traceback": tb}}


# ---------------------------------------------------------------- tensors

def _numpy():
    import numpy
    return numpy


# Numeric data travels as base64 of little-endian values (bool: one byte,
# 0 or 1); flat JSON arrays are accepted too. Strings are always arrays.
RAW_DTYPES = {"float64": "<f8", "float32": "<f4", "int64": "<i8", "bool": "u1"}
FLOAT_TEXT = frozenset(("NaN", "Infinity", "-Infinity"))


def decode_tensor(spec):
    """Turn a wire tensor {name, dtype, shape, data} into a numpy array."""
    np = _numpy()
    if not isinstance(spec, dict):
        raise WorkerError(KIND_INPUT, "tensor is not an object")
    name, dtype = spec.get("name"), spec.get("dtype")
    shape, data = spec.get("shape"), spec.get("data")
    if not isinstance(name, str):
        raise WorkerError(KIND_INPUT, "tensor name must be a string")
    if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0
            for d in shape):
        raise WorkerError(KIND_INPUT, f"tensor {name!r}: bad shape {shape!r}")
    count = math.prod(shape)
    try:
        if isinstance(data, str):
            arr = _raw_array(np, dtype, data, count)
        elif isinstance(data, list):
            if count != len(data):
                raise ValueError(f"shape {shape} needs {count} values, "
                                 f"got {len(data)}")
            arr = _list_array(np, dtype, data)
        else:
            raise ValueError("data must be a base64 string or a list")
    except (TypeError, ValueError, binascii.Error) as exc:
        raise WorkerError(KIND_INPUT,
                          f"tensor {name!r}: bad {dtype} data: {exc}") from None
    return name, arr.reshape(shape)


def _raw_array(np, dtype, data, count):
    raw_dtype = RAW_DTYPES.get(dtype)
    if raw_dtype is None:
        raise ValueError(f"{dtype!r} data must be a list")
    raw = base64.b64decode(data, validate=True)
    item = np.dtype(raw_dtype).itemsize
    if len(raw) != count * item:
        raise ValueError(f"{len(raw)} bytes for {count} values of {item}")
    arr = np.frombuffer(bytearray(raw), dtype=raw_dtype)
    if dtype == "bool":
        if arr.size and arr.max() > 1:
            raise ValueError("bool bytes must be 0 or 1")
        return arr.astype(np.bool_)
    return arr.astype(np.dtype(dtype), copy=False)


def _list_array(np, dtype, data):
    if dtype in ("float64", "float32"):
        # numpy parses the "NaN"/"Infinity"/"-Infinity" strings itself and
        # converts in C; only None (which it would turn into NaN) and
        # other strings need refusing first.
        if None in data or any(isinstance(v, str) and v not in FLOAT_TEXT
                               for v in data if not isinstance(v, float)):
            raise ValueError("float data must be numbers or "
                             "\"NaN\"/\"Infinity\"/\"-Infinity\"")
        return np.array(data, dtype=np.dtype(dtype))
    if dtype == "int64":
        if not all(isinstance(v, int) and not isinstance(v, bool)
                   for v in data):
            raise ValueError("int64 data must be integers")
        return np.array(data, dtype=np.int64)
    if dtype == "bool":
        if not all(isinstance(v, bool) for v in data):
            raise ValueError("bool data must be true/false")
        return np.array(data, dtype=np.bool_)
    if dtype == "string":
        if not all(isinstance(v, str) for v in data):
            raise ValueError("string data must be strings")
        arr = np.empty(len(data), dtype=object)
        arr[:] = data
        return arr
    raise ValueError(f"unknown dtype {dtype!r}")


def encode_tensor(name, value):
    """Turn a numpy array (or array-like) into a wire tensor."""
    np = _numpy()
    arr = np.asarray(value)
    kind = arr.dtype.kind
    flat = arr.reshape(-1)
    if kind == "f":
        dtype = "float32" if arr.dtype.itemsize <= 4 else "float64"
    elif kind in "iu":
        if kind == "u" and flat.size and flat.max() > np.iinfo(np.int64).max:
            raise WorkerError(KIND_MODEL, f"output {name!r}: uint64 value "
                              "does not fit int64")
        dtype = "int64"
    elif kind == "b":
        dtype = "bool"
    elif kind in "USO":
        data = [_text(name, v) for v in flat.tolist()]
        return {"name": name, "dtype": "string", "shape": list(arr.shape),
                "data": data}
    else:
        raise WorkerError(KIND_MODEL, f"output {name!r}: unsupported numpy "
                          f"dtype {arr.dtype}")
    raw = flat.astype(RAW_DTYPES[dtype]).tobytes()
    return {"name": name, "dtype": dtype, "shape": list(arr.shape),
            "data": base64.b64encode(raw).decode("ascii")}


def _text(name, v):
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    raise WorkerError(KIND_MODEL, f"output {name!r}: element of type "
                      f"{type(v).__name__} is not a string")


def encode_outputs(result):
    """Convert what predict returned into a list of wire tensors."""
    if isinstance(result, dict):
        return [encode_tensor(str(k), v) for k, v in result.items()]
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(result, pd.DataFrame):
        return _encode_dataframe(result)
    if pd is not None and isinstance(result, pd.Series):
        result = result.to_numpy()
    if isinstance(result, tuple):
        raise WorkerError(KIND_MODEL, "predict returned a tuple; return a "
                          "dict of named arrays instead")
    return [encode_tensor("predictions", result)]


def _encode_dataframe(df):
    if len(set(df.dtypes)) <= 1:
        return [encode_tensor("predictions", df.to_numpy())]
    return [encode_tensor(str(col), df[col].to_numpy()) for col in df.columns]


# ----------------------------------------------------------------- models

class PaddockModel:
    """A directory with paddock_model.py exposing load(path)."""

    kind = "paddock"

    def __init__(self, path):
        if path not in sys.path:
            sys.path.insert(0, path)
        spec = importlib.util.spec_from_file_location(
            "paddock_model", os.path.join(path, "paddock_model.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["paddock_model"] = module
        spec.loader.exec_module(module)
        if not callable(getattr(module, "load", None)):
            raise WorkerError(KIND_UNSUPPORTED,
                              "paddock_model.py has no load(path) function")
        self.obj = module.load(path)
        if not callable(getattr(self.obj, "predict", None)):
            raise WorkerError(KIND_UNSUPPORTED,
                              "the object returned by load() has no predict()")
        self.signature = (getattr(self.obj, "signature", None)
                          or getattr(module, "SIGNATURE", None))

    def predict(self, inputs, columns):
        return self.obj.predict(inputs)


class PythonModelContext:
    """Stand-in for mlflow.pyfunc.PythonModelContext."""

    def __init__(self, artifacts, model_config):
        self.artifacts = artifacts
        self.model_config = model_config


class PyfuncModel:
    """An MLflow python_function model directory."""

    kind = "mlflow"

    def __init__(self, path, conf):
        self.signature = None
        for code in _code_dirs(path, conf):
            if code not in sys.path:
                sys.path.insert(0, code)
        try:
            import mlflow.pyfunc  # optional: used when installed
        except ImportError:
            self.impl = self._load_without_mlflow(path, conf)
            return
        self.kind = "mlflow"
        self.impl = mlflow.pyfunc.load_model(path)

    def _load_without_mlflow(self, path, conf):
        loader = conf.get("loader_module") or ""
        if loader == "mlflow.pyfunc.model":
            self.kind = "mlflow-python-model"
            return _PythonModelWrapper(path, conf)
        if not loader or loader.split(".")[0] == "mlflow":
            raise WorkerError(KIND_UNSUPPORTED, f"loader_module {loader!r} "
                              "needs the mlflow package, which is not "
                              f"installed for {sys.executable}")
        self.kind = "mlflow-loader-module"
        module = importlib.import_module(loader)
        data = os.path.join(path, conf["data"]) if conf.get("data") else path
        if conf.get("model_config") is not None:
            return module._load_pyfunc(data, model_config=conf["model_config"])
        return module._load_pyfunc(data)

    def predict(self, inputs, columns):
        return self.impl.predict(_pyfunc_input(inputs, columns))


def _code_dirs(path, conf):
    code = conf.get("code")
    if not code:
        return []
    return [os.path.join(path, code)]


class _PythonModelWrapper:
    """Loads a pickled mlflow PythonModel-like object without mlflow."""

    def __init__(self, path, conf):
        if conf.get("python_model_compression"):
            raise WorkerError(KIND_UNSUPPORTED, "compressed python_model "
                              "needs the mlflow package")
        pkl = conf.get("python_model")
        if not pkl:
            raise WorkerError(KIND_UNSUPPORTED,
                              "python_function flavor has no python_model")
        try:
            import cloudpickle as picklelib
        except ImportError:
            picklelib = pickle
        with open(os.path.join(path, pkl), "rb") as f:
            self.model = picklelib.load(f)
        artifacts = {name: os.path.join(path, info["path"])
                     for name, info in (conf.get("artifacts") or {}).items()}
        self.context = PythonModelContext(artifacts, conf.get("model_config"))
        if callable(getattr(self.model, "load_context", None)):
            self.model.load_context(self.context)

    def predict(self, model_input):
        return self.model.predict(self.context, model_input)


def _pyfunc_input(inputs, columns):
    """Shape inputs the way MLflow pyfunc models expect them."""
    if columns:
        frame = _dataframe(inputs, columns)
        if frame is not None:
            return frame
    if len(inputs) == 1:
        return next(iter(inputs.values()))
    return inputs


def _dataframe(inputs, columns):
    try:
        import pandas as pd
    except ImportError:
        return None
    if len(inputs) == 1:
        arr = next(iter(inputs.values()))
        if arr.ndim == 2 and arr.shape[1] == len(columns):
            return pd.DataFrame(arr, columns=columns)
    if all(a.ndim == 1 for a in inputs.values()):
        return pd.DataFrame(inputs)
    return None


# ----------------------------------------------------------------- server

class Worker:
    """Answers requests for one model."""

    def __init__(self, channel):
        self.channel = channel
        self.model = None
        self.columns = None

    def serve(self):
        while True:
            msg = self.channel.read()
            if msg is None:
                return 0
            req_id = msg.get("id", 0)
            reply = self.handle(req_id, msg)
            self.channel.send(reply)
            if msg.get("op") == "shutdown":
                return 0

    def handle(self, req_id, msg):
        op = msg.get("op")
        handler = {"load": self.load, "predict": self.predict,
                   "health": self.health, "shutdown": self.health}.get(op)
        if handler is None or not isinstance(req_id, int):
            return error_reply(req_id, KIND_PROTOCOL, "ProtocolError",
                               f"bad request (op {op!r}, id {req_id!r})", "")
        try:
            reply = handler(msg)
        except WorkerError as exc:
            return error_reply(req_id, exc.kind, ERROR_TYPES[exc.kind],
                               str(exc), "")
        except BaseException as exc:  # the model's own failure
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            tb = traceback.format_exc()
            sys.stderr.write(tb)
            kind = KIND_UNSUPPORTED if isinstance(exc, ImportError) \
                else KIND_MODEL
            return error_reply(req_id, kind, type(exc).__name__, str(exc), tb)
        reply.update(id=req_id, ok=True)
        return reply

    def load(self, msg):
        if self.model is not None:
            raise WorkerError(KIND_PROTOCOL, "model already loaded")
        path, layout = msg.get("path"), msg.get("layout")
        _numpy()
        if layout == "paddock":
            self.model = PaddockModel(path)
        elif layout == "mlflow":
            self.model = PyfuncModel(path, msg.get("pyfunc") or {})
        else:
            raise WorkerError(KIND_PROTOCOL, f"unknown layout {layout!r}")
        self.columns = msg.get("columns") or None
        return {"kind": self.model.kind, "signature": self.model.signature,
                "pid": os.getpid(), "python": sys.version.split()[0],
                "protocol": PROTOCOL_VERSION}

    def predict(self, msg):
        if self.model is None:
            raise WorkerError(KIND_PROTOCOL, "predict before load")
        tensors = msg.get("inputs")
        if not isinstance(tensors, list):
            raise WorkerError(KIND_INPUT, "inputs must be a list of tensors")
        inputs = {}
        for spec in tensors:
            name, arr = decode_tensor(spec)
            if name in inputs:
                raise WorkerError(KIND_INPUT, f"duplicate input {name!r}")
            inputs[name] = arr
        result = self.model.predict(inputs, self.columns)
        return {"outputs": encode_outputs(result)}

    def health(self, msg):
        return {"status": "ok"}


def main():
    max_frame = int(os.environ.get("PADDOCK_MAX_FRAME", DEFAULT_MAX_FRAME))
    channel = Channel(max_frame)
    try:
        return Worker(channel).serve()
    except ProtocolViolation as exc:
        sys.stderr.write(f"paddock worker: protocol error: {exc}\n")
        return 3


if __name__ == "__main__":
    sys.exit(main())
