#!/usr/bin/python3
"""Ask Paddock for the intent of email replies, as a mail pipeline would.

    export PADDOCK_URL=http://localhost:8080 PADDOCK_TOKEN=<token>
    /usr/bin/python3 examples/email-intent/classify.py "Please take me off your list"
    /usr/bin/python3 examples/email-intent/classify.py --replay ./email-data/test.csv --limit 300 --feedback

Each text is sent as one row: the raw text in `text` (read by the rule
filter) and its hashed features (features.py, read by the model). With
--replay it sends the replies of a CSV from make_data.py, one request
each, and prints a summary: how many the model answered, the rule
answered and the cache answered, and the accuracy against the CSV's
labels. With --feedback it then posts each reply's true label back to
Paddock (POST /api/feedback), as the CRM would once a person has read
the reply, so a live experiment can score both arms.
"""
import argparse
import collections
import csv
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features  # noqa: E402

URL = os.environ.get("PADDOCK_URL", "http://localhost:8080").rstrip("/")
TOKEN = os.environ.get("PADDOCK_TOKEN", "")


def post(path, body):
    req = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if TOKEN:
        req.add_header("Authorization", "Bearer " + TOKEN)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def classify(model, text):
    """The answer for one text: (label, who answered, request id)."""
    out = post("/api/models/%s/predict" % model, {"rows": [features.record(text)]})
    pred = out["predictions"][0]
    if out.get("rule"):
        return pred.get("label"), "rule:" + out["rule"], out["request_id"]
    return pred, "cache" if out.get("cache_hit") else "model v%d" % out["version"], out["request_id"]


def replay(model, path, limit, feedback):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))[:limit]
    answered_by, right, labels = collections.Counter(), 0, []
    for r in rows:
        label, who, rid = classify(model, r["text"])
        answered_by[who.split(" ")[0]] += 1
        right += label == r["label"]
        labels.append({"request_id": rid, "label": r["label"]})
    print("sent %d replies: %s; accuracy %.3f" % (len(rows), dict(answered_by), right / max(1, len(rows))))
    if feedback:
        for i in range(0, len(labels), 500):
            post("/api/feedback", {"feedback": labels[i:i + 500]})
        print("posted %d true labels" % len(labels))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("text", nargs="*", help="texts to classify")
    p.add_argument("--model", default="email-intent")
    p.add_argument("--replay", metavar="CSV", help="send the replies of a make_data.py CSV")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--feedback", action="store_true", help="post the true labels back after --replay")
    a = p.parse_args()
    for text in a.text:
        label, who, rid = classify(a.model, text)
        print("%-14s answered by %-20s request %s" % (label, who, rid))
    if a.replay:
        replay(a.model, a.replay, a.limit, a.feedback)


if __name__ == "__main__":
    main()
