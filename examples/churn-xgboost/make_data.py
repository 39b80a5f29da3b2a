#!/usr/bin/python3
"""Write a synthetic churn data set: train.csv and test.csv in a directory.

    /usr/bin/python3 examples/churn-xgboost/make_data.py OUT_DIR [--seed 7] [--rows 4000]

Columns: tenure_months, monthly_spend, support_tickets, logins_30d,
discount, plan_pro, plan_team, late_payments, then `churned` (0/1). The
label comes from a known logistic rule plus noise, so a model can learn
it and a worse model is measurably worse.
"""
import argparse
import os

import numpy as np

FEATURES = ["tenure_months", "monthly_spend", "support_tickets", "logins_30d",
            "discount", "plan_pro", "plan_team", "late_payments"]


def make(rows, seed):
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows)
    spend = rng.gamma(4.0, 12.0, rows)
    tickets = rng.poisson(1.2, rows)
    logins = rng.poisson(18, rows)
    discount = rng.random(rows) < 0.2
    plan = rng.choice(3, rows, p=[0.6, 0.3, 0.1])
    late = rng.poisson(0.4, rows)
    # About 30 % churn; the best possible AUC is near 0.9, so a good model
    # and a careless one differ clearly in every metric.
    z = (1.6 - 0.09 * tenure + 0.02 * spend + 0.8 * tickets - 0.12 * logins
         + 0.8 * discount - 0.7 * (plan == 1) - 1.4 * (plan == 2) + 1.2 * late)
    churned = rng.random(rows) < 1 / (1 + np.exp(-z))
    X = np.column_stack([tenure, spend, tickets, logins, discount, plan == 1, plan == 2, late]).astype(float)
    return X, churned.astype(int)


def write(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(FEATURES + ["churned"]) + "\n")
        for row, label in zip(X, y):
            f.write(",".join("%g" % v for v in row) + ",%d\n" % label)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, default=4000)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    X, y = make(a.rows, a.seed)
    cut = int(0.75 * a.rows)
    write(os.path.join(a.out, "train.csv"), X[:cut], y[:cut])
    write(os.path.join(a.out, "test.csv"), X[cut:], y[cut:])


if __name__ == "__main__":
    main()
