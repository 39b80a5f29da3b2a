"""Prints the reference values of the table tests (dist_test.go,
wilson_test.go, mcnemar_test.go, srm_test.go, deltas_test.go,
labels_test.go). Run with Debian's interpreter: SciPy 1.10.1,
scikit-learn 1.2.1, mpmath 1.2.1.
    /usr/bin/python3 testdata/reference.py
"""
import mpmath as mp
import numpy as np
import scipy.special as sp
import scipy.stats as st
from sklearn.metrics import f1_score, recall_score

mp.mp.dps = 60


def g(v):
    return repr(float(v))


def t_sf_mp(t, d):
    """Student t upper tail as I_x(d/2, 1/2)/2, x = d/(d+t²), in 60 digits."""
    t, d = mp.mpf(t), mp.mpf(d)
    v = mp.betainc(d / 2, mp.mpf(1) / 2, 0, d / (d + t * t), regularized=True) / 2
    return v if t > 0 else 1 - v


print("// StudentTSF: scipy.stats.t.sf")
for t, d in [(0.5, 1), (1, 1), (-1, 1), (2, 2), (1.5, 3.5), (2.228, 10), (-2.228, 10), (3, 30),
             (10, 5), (40, 3), (5, 100), (10, 1000), (2, 99999), (8, 99999), (0.001, 50), (1e-8, 20),
             (50, 50), (1.96, 1e6), (6, 1e6), (3, 0.5), (-7, 12), (0.3, 1e7)]:
    print("{%s, %s, %s}," % (g(t), g(d), g(st.t.sf(t, d))))
print("// StudentTSF: mpmath")
for t, d in [(2, 2e7), (6, 1e8), (-3, 1e10), (20, 1e12), (2, 1e15), (1.5, 1e6), (20, 1e6)]:
    print("{%s, %s, %s}," % (g(t), g(d), mp.nstr(t_sf_mp(t, d), 17)))
print("// ChiSquareSF: scipy.stats.chi2.sf")
for x, d in [(0.5, 1), (3.841458820694124, 1), (10.828, 1), (100, 1), (700, 1), (1e-6, 1), (1, 2),
             (5, 3), (20, 10), (150, 100), (80, 100), (1000, 1000), (1200, 1000), (0.01, 7)]:
    print("{%s, %d, %s}," % (g(x), d, g(st.chi2.sf(x, d))))
print("// regIncBeta: scipy.special.betainc, then mpmath where SciPy is imprecise")
for a, b, x in [(2, 3, 0.4), (0.5, 0.5, 0.2), (10, 0.5, 0.99), (1, 1, 0.3), (5, 5, 0.5),
                (0.5, 20, 0.01), (3, 7, 0.999)]:
    print("{%s, %s, %s, %s}," % (g(a), g(b), g(x), g(sp.betainc(a, b, x))))
for a, b, x in [(50000, 0.5, 0.9999), (5e6, 0.5, 0.999999)]:
    print("{%s, %s, %s, %s}, // scipy %s" % (g(a), g(b), g(x),
          mp.nstr(mp.betainc(a, b, 0, x, regularized=True), 17), g(sp.betainc(a, b, x))))
print("// regGammaQ: scipy.special.gammaincc")
for a, x in [(0.5, 0.1), (1, 2), (3, 2.5), (10, 20), (100, 90), (0.1, 5), (500, 600), (2, 0.001)]:
    print("{%s, %s, %s}," % (g(a), g(x), g(sp.gammaincc(a, x))))
print("// NormalSF: scipy.stats.norm.sf")
for z in [0, 1, 1.96, -2, 5, 10]:
    print("{%s, %s}," % (g(z), g(st.norm.sf(z))))
print("// McNemar: binomtest below 25 discordant pairs, chi2.sf above")
for b, c in [(0, 0), (5, 3), (12, 12), (1, 10), (0, 24), (7, 0), (13, 12), (30, 10), (100, 150), (0, 25)]:
    n = b + c
    if n < 25:
        stat, p = min(b, c), (st.binomtest(min(b, c), n, 0.5).pvalue if n else 1.0)
    else:
        stat = max(0, abs(b - c) - 1) ** 2 / n
        p = st.chi2.sf(stat, 1)
    print("{%d, %d, %s, %s}," % (b, c, g(stat), g(p)))
print("// SampleRatio: scipy.stats.chisquare")
for a, p, s in [(500, 500, 0.5), (5100, 4900, 0.5), (1050, 8950, 0.1), (10, 30, 0.2),
                (50000, 51000, 0.5), (3, 0, 0.5), (0, 7, 0.3)]:
    n = a + p
    r = st.chisquare([a, p], f_exp=[n * s, n * (1 - s)])
    print("{%d, %d, %s, %s, %s}," % (a, p, g(s), g(r.statistic), g(r.pvalue)))
print("// Wilson: binomtest(k, n).proportion_ci(method='wilson')")
for k, n, conf in [(81, 263, .95), (15, 148, .95), (0, 20, .95), (1, 29, .95), (29, 29, .95),
                   (500, 1000, .95), (1, 1, .95), (999, 1000, .95), (10, 10, .95), (0, 10, .95),
                   (81, 263, .99), (3, 10, .99)]:
    ci = st.binomtest(k, n).proportion_ci(confidence_level=conf, method="wilson")
    print("{%d, %d, %s, %s, %s}," % (k, n, g(st.norm.ppf(0.5 + conf / 2)), g(ci.low), g(ci.high)))
print("// scoreDelta: ttest_1samp and wilcoxon(method='approx')")
for d in ([1, 2, -2, 3, 0, 0, 4, -1, 1, 5], [-0.5, 0.25, -0.75, -1.0, -0.25]):
    d = np.asarray(d, dtype=float)
    tt, w = st.ttest_1samp(d, 0), st.wilcoxon(d, method="approx")
    print(list(d), "t", g(tt.statistic), "p", g(tt.pvalue), "W", g(w.statistic),
          "z", g(w.zstatistic), "p", g(w.pvalue))
print("// accuracy: f1_score(average='macro'), recall_score(average=None)")
for truth, pred in [("aab", "acb"), ("xyyzzz", "xzyzqz")]:
    print(truth, pred, g(f1_score(list(truth), list(pred), average="macro", zero_division=0)),
          recall_score(list(truth), list(pred), labels=sorted(set(truth)), average=None))
