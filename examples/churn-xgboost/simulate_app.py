#!/usr/bin/python3
"""Play the application that uses the churn model: score customers, and
later tell Paddock which of them really churned.

    export PADDOCK_URL=http://localhost:8080 PADDOCK_TOKEN=<token>
    /usr/bin/python3 examples/churn-xgboost/simulate_app.py [--customers 300] [--seed 11]
        [--feedback-share 1.0] [--append ./churn-data]

Customers are drawn from make_data.py's generator on a seed of their own
(fresh people, same world). Each is one request to
POST /api/models/churn/predict, as a CRM would make when an account page
opens; the answer names the version that gave it and its request id.
Then, as the months pass and the truth comes in, the true outcome of a
share of them (--feedback-share) is posted to POST /api/feedback with
those request ids, so live experiments can score both arms. With --append
the labelled customers are also appended to DIR/train.csv, which is what
the training job's new_data trigger watches.

It prints one line: requests sent, versions that answered, the answers'
accuracy at a 0.5 threshold, and the feedback posted.
"""
import argparse
import collections
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_data  # noqa: E402  (beside this script)

URL = os.environ.get("PADDOCK_URL", "http://localhost:8080").rstrip("/")
TOKEN = os.environ.get("PADDOCK_TOKEN", "")


def post(path, body):
    req = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if TOKEN:
        req.add_header("Authorization", "Bearer " + TOKEN)
    try:
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raise SystemExit("POST %s: %d %s" % (path, e.code, e.read().decode(errors="replace")))


def score(model, X):
    """One request per customer; returns (request id, churn probability, version)."""
    out = []
    for row in X:
        record = {f: float(v) for f, v in zip(make_data.FEATURES, row)}
        ans = post("/api/models/%s/predict" % model, {"rows": [record]})
        out.append((ans["request_id"], float(ans["predictions"][0]), ans["version"]))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="churn")
    p.add_argument("--customers", type=int, default=300)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--feedback-share", type=float, default=1.0, help="share of customers whose outcome is posted")
    p.add_argument("--append", metavar="DIR", help="append the labelled customers to DIR/train.csv")
    a = p.parse_args()

    X, y = make_data.make(a.customers, a.seed)
    answers = score(a.model, X)
    versions = collections.Counter("v%d" % v for _, _, v in answers)
    right = sum((prob >= 0.5) == bool(label) for (_, prob, _), label in zip(answers, y))

    labelled = int(round(a.feedback_share * len(answers)))
    feedback = [{"request_id": rid, "label": int(label), "source": "simulate_app"}
                for (rid, _, _), label in list(zip(answers, y))[:labelled]]
    for i in range(0, len(feedback), 500):
        post("/api/feedback", {"feedback": feedback[i:i + 500]})
    if a.append:
        with open(os.path.join(a.append, "train.csv"), "a") as f:
            for row, label in list(zip(X, y))[:labelled]:
                f.write(",".join("%g" % v for v in row) + ",%d\n" % label)
    print("sent %d requests, answered by %s; accuracy %.3f; posted %d labels%s" % (
        len(answers), dict(versions), right / max(1, len(answers)), len(feedback),
        "; appended them to %s/train.csv" % a.append if a.append else ""))


if __name__ == "__main__":
    main()
