"""Writes shadow.json and split.json: inputs for ComparePairs and
CompareSplit with the report each must produce, every figure computed here
by numpy, SciPy and scikit-learn rather than by the Go code under test.

Run with Debian's interpreter (numpy 1.24, SciPy 1.10, scikit-learn 1.2):
    /usr/bin/python3 testdata/golden.py
The data is seeded, so the files only change when this script does.

Semantics restated from the package documentation: an answer is usable
when it is neither missing nor an error; latency percentiles are
nearest-rank (numpy's "inverted_cdf") over usable, non-cached answers;
scores are multiples of 1/64 so deltas are exact and tie often.
"""
import json
import os

import numpy as np
import scipy.stats as st
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             mean_absolute_error, mean_squared_error,
                             recall_score)

CLASSES = ["bird", "cat", "dog", "fish", "fox"]
HERE = os.path.dirname(os.path.abspath(__file__))


def pct(values, p):
    return float(np.percentile(np.asarray(values), p, method="inverted_cdf"))


def answer(rng, cls, score, err_p, miss_p, lat_mu):
    a = {}
    r = rng.random()
    if r < miss_p:
        a["m"] = True
    elif r < miss_p + err_p:
        a["e"] = True
    if rng.random() < 0.92:
        a["c"] = cls
    if rng.random() < 0.9:
        a["s"] = score
    if rng.random() < 0.7:
        p = [float(v) / 64 for v in rng.multinomial(64, [0.1, 0.3, 0.3, 0.2, 0.1])]
        if rng.random() < 0.05:
            p = p[:3]  # a vector of the wrong length is left out
        a["p"] = p
    a["l"] = int(rng.lognormal(lat_mu, 0.5))
    if rng.random() < 0.1:
        a["h"] = True
    return a


def make_label(rng, cls, value):
    lab = {}
    if rng.random() < 0.8:
        lab["c"] = cls
    if rng.random() < 0.6:
        lab["v"] = value
    return lab


def usable(a):
    return not a.get("m") and not a.get("e")


def arm_stats(answers):
    s = {"requests": len(answers)}
    s["missing"] = sum(1 for a in answers if a.get("m"))
    s["errors"] = sum(1 for a in answers if not a.get("m") and a.get("e"))
    ok = [a for a in answers if usable(a)]
    s["answered"] = len(ok)
    s["cache_hits"] = sum(1 for a in ok if a.get("h"))
    att = s["answered"] + s["errors"]
    s["error_rate"] = s["errors"] / att if att else 0.0
    s["missing_rate"] = s["missing"] / len(answers) if answers else 0.0
    classes = {}
    for a in ok:
        if "c" in a:
            classes[a["c"]] = classes.get(a["c"], 0) + 1
    if classes:
        s["classes"] = classes
    lat = [a["l"] for a in ok if not a.get("h")]
    if lat:
        s["latency"] = {"n": len(lat), "p50_us": int(pct(lat, 50)),
                        "p95_us": int(pct(lat, 95)), "p99_us": int(pct(lat, 99))}
    return s


def latency_ratio(p, a):
    if "latency" not in p or "latency" not in a:
        return None
    out = {}
    for k, key in (("p50", "p50_us"), ("p99", "p99_us")):
        if p["latency"][key] > 0:
            out[k] = a["latency"][key] / p["latency"][key]
    return out or None


def wilson(k, n):
    ci = st.binomtest(k, n).proportion_ci(method="wilson")
    return float(ci.low), float(ci.high)


def score_delta(d):
    d = np.asarray(d)
    out = {"n": len(d), "mean": float(np.mean(d)), "mean_abs": float(np.mean(np.abs(d))),
           "sd": float(np.std(d, ddof=1)), "p50": pct(d, 50), "p95": pct(d, 95)}
    tt = st.ttest_1samp(d, 0.0)
    out["t_test"] = {"t": float(tt.statistic), "dof": len(d) - 1, "p_value": float(tt.pvalue)}
    nz = d[d != 0]
    ranks = st.rankdata(np.abs(nz))
    w_plus, w_minus = float(ranks[nz > 0].sum()), float(ranks[nz < 0].sum())
    w = st.wilcoxon(d, method="approx")
    z = abs(float(w.zstatistic)) * np.sign(w_plus - w_minus)
    out["wilcoxon"] = {"n": len(nz), "w_plus": w_plus, "w_minus": w_minus,
                       "z": float(z), "p_value": float(w.pvalue)}
    return out


def prob_shift(tv):
    return {"n": len(tv), "mean_tv": float(np.mean(tv)), "p95_tv": pct(tv, 95),
            "max_tv": float(np.max(tv))}


def arm_accuracy(truth, pred):
    out = {"n": len(truth), "correct": int(sum(t == p for t, p in zip(truth, pred))),
           "accuracy": float(accuracy_score(truth, pred)),
           "macro_f1": float(f1_score(truth, pred, average="macro", zero_division=0))}
    labels = sorted(set(truth))
    rec = recall_score(truth, pred, labels=labels, average=None, zero_division=0)
    out["recall"] = {c: float(r) for c, r in zip(labels, rec)}
    return out


def arm_regression(truth, pred):
    return {"n": len(truth), "mae": float(mean_absolute_error(truth, pred)),
            "rmse": float(mean_squared_error(truth, pred, squared=False))}


def mcnemar(b, c):
    n = b + c
    if n < 25:
        p = float(st.binomtest(min(b, c), n, 0.5).pvalue) if n else 1.0
        return {"b": b, "c": c, "exact": True, "statistic": float(min(b, c)), "p_value": p}
    stat = max(0, abs(b - c) - 1) ** 2 / n
    return {"b": b, "c": c, "exact": False, "statistic": stat, "p_value": float(st.chi2.sf(stat, 1))}


def shadow(rng, n):
    pairs = []
    for i in range(n):
        truth = CLASSES[rng.choice(len(CLASSES), p=[0.1, 0.35, 0.3, 0.2, 0.05])]
        value = int(rng.integers(0, 64)) / 64
        pc = truth if rng.random() < 0.8 else CLASSES[rng.integers(len(CLASSES))]
        ac = pc if rng.random() < 0.85 else CLASSES[rng.integers(len(CLASSES))]
        ps = value + int(rng.integers(-8, 9)) / 64
        as_ = ps + int(rng.integers(-3, 5)) / 64
        pair = {"id": "r%d" % i,
                "prod": answer(rng, pc, ps, 0.02, 0.005, 8.0),
                "alpha": answer(rng, ac, as_, 0.04, 0.03, 8.3)}
        if rng.random() < 0.4:
            pair["label"] = make_label(rng, truth, value)
        pairs.append(pair)
    return pairs


def expect_shadow(pairs):
    prods, alphas = [p["prod"] for p in pairs], [p["alpha"] for p in pairs]
    r = {"mode": "shadow", "requests": len(pairs),
         "production": arm_stats(prods), "alpha": arm_stats(alphas)}
    lr = latency_ratio(r["production"], r["alpha"])
    if lr:
        r["latency_ratio"] = lr
    both = [p for p in pairs if usable(p["prod"]) and usable(p["alpha"])]
    cls = [(p["prod"]["c"], p["alpha"]["c"]) for p in both if "c" in p["prod"] and "c" in p["alpha"]]
    agree = sum(1 for a, b in cls if a == b)
    lo, hi = wilson(agree, len(cls))
    r["agreement"] = {"n": len(cls), "agree": agree, "rate": agree / len(cls), "ci_lo": lo, "ci_hi": hi}
    labels = sorted({c for pair in cls for c in pair})
    cm = confusion_matrix([a for a, _ in cls], [b for _, b in cls], labels=labels)
    r["confusion"] = {"class_count": len(labels), "classes": labels, "counts": cm.tolist()}
    d = [p["alpha"]["s"] - p["prod"]["s"] for p in both if "s" in p["prod"] and "s" in p["alpha"]]
    r["score_delta"] = score_delta(d)
    tv = [0.5 * float(np.abs(np.subtract(p["alpha"]["p"], p["prod"]["p"])).sum())
          for p in both if len(p["alpha"].get("p", [])) == len(p["prod"].get("p", [])) > 0]
    r["prob_shift"] = prob_shift(tv)
    labeled = [p for p in pairs if "label" in p]
    fb = {"labeled": len(labeled)}
    lc = [p for p in labeled if "c" in p["label"] and usable(p["prod"]) and usable(p["alpha"])
          and "c" in p["prod"] and "c" in p["alpha"]]
    truth = [p["label"]["c"] for p in lc]
    pp, ap = [p["prod"]["c"] for p in lc], [p["alpha"]["c"] for p in lc]
    prod_acc, alpha_acc = arm_accuracy(truth, pp), arm_accuracy(truth, ap)
    b = sum(1 for t, x, y in zip(truth, pp, ap) if x == t and y != t)
    c = sum(1 for t, x, y in zip(truth, pp, ap) if y == t and x != t)
    fb["classification"] = {"production": prod_acc, "alpha": alpha_acc,
                            "accuracy_delta": alpha_acc["accuracy"] - prod_acc["accuracy"],
                            "mcnemar": mcnemar(b, c)}
    lv = [p for p in labeled if "v" in p["label"] and usable(p["prod"]) and usable(p["alpha"])
          and "s" in p["prod"] and "s" in p["alpha"]]
    vt = [p["label"]["v"] for p in lv]
    pr = arm_regression(vt, [p["prod"]["s"] for p in lv])
    ar = arm_regression(vt, [p["alpha"]["s"] for p in lv])
    fb["regression"] = {"production": pr, "alpha": ar, "mae_delta": ar["mae"] - pr["mae"]}
    r["feedback"] = fb
    return r


def split(rng, n, share):
    singles = []
    for i in range(n):
        truth = CLASSES[rng.choice(len(CLASSES), p=[0.1, 0.35, 0.3, 0.2, 0.05])]
        value = int(rng.integers(0, 64)) / 64
        alpha = rng.random() < share * 1.08  # a mild, visible mismatch
        r = rng.random()
        arm = "alpha" if alpha else "production"
        if r < 0.003:
            arm = "shadow"  # neither arm: counted as unknown only
        right = 0.78 if alpha else 0.8
        cls = truth if rng.random() < right else CLASSES[rng.integers(len(CLASSES))]
        score = value + int(rng.integers(-6 if alpha else -8, 9)) / 64
        s = {"arm": arm, "a": answer(rng, cls, score, 0.03 if alpha else 0.02, 0.0, 8.3 if alpha else 8.0)}
        if rng.random() < 0.5:
            s["label"] = make_label(rng, truth, value)
        singles.append(s)
    return singles


def expect_split(singles, share):
    known = [s for s in singles if s["arm"] in ("production", "alpha")]
    arms = {k: [s for s in known if s["arm"] == k] for k in ("production", "alpha")}
    r = {"mode": "split", "requests": len(singles),
         "production": arm_stats([s["a"] for s in arms["production"]]),
         "alpha": arm_stats([s["a"] for s in arms["alpha"]])}
    lr = latency_ratio(r["production"], r["alpha"])
    if lr:
        r["latency_ratio"] = lr
    labeled = [s for s in known if "label" in s]
    fb = {"labeled": len(labeled), "classification": {}, "regression": {}}
    for k in ("production", "alpha"):
        lc = [s for s in labeled if s["arm"] == k and "c" in s["label"] and usable(s["a"]) and "c" in s["a"]]
        fb["classification"][k] = arm_accuracy([s["label"]["c"] for s in lc], [s["a"]["c"] for s in lc])
        lv = [s for s in labeled if s["arm"] == k and "v" in s["label"] and usable(s["a"]) and "s" in s["a"]]
        fb["regression"][k] = arm_regression([s["label"]["v"] for s in lv], [s["a"]["s"] for s in lv])
    fc, fr = fb["classification"], fb["regression"]
    fc["accuracy_delta"] = fc["alpha"]["accuracy"] - fc["production"]["accuracy"]
    fr["mae_delta"] = fr["alpha"]["mae"] - fr["production"]["mae"]
    r["feedback"] = fb
    na, np_ = len(arms["alpha"]), len(arms["production"])
    n = na + np_
    lo, hi = wilson(na, n)
    chi = st.chisquare([na, np_], f_exp=[n * share, n * (1 - share)])
    r["split"] = {"expected_alpha_share": share, "alpha": na, "production": np_,
                  "unknown_arm": len(singles) - n, "observed_alpha_share": na / n,
                  "share_ci_lo": lo, "share_ci_hi": hi, "within_interval": lo <= share <= hi,
                  "chi_square": float(chi.statistic), "p_value": float(chi.pvalue),
                  "srm": bool(chi.pvalue < 0.001)}
    return r


def main():
    rng = np.random.default_rng(20240611)
    pairs = shadow(rng, 1500)
    with open(os.path.join(HERE, "shadow.json"), "w") as f:
        json.dump({"pairs": pairs, "expected": expect_shadow(pairs)}, f, separators=(",", ":"))
    singles = split(rng, 2500, 0.2)
    with open(os.path.join(HERE, "split.json"), "w") as f:
        json.dump({"alpha_share": 0.2, "singles": singles, "expected": expect_split(singles, 0.2)},
                  f, separators=(",", ":"))


if __name__ == "__main__":
    main()
