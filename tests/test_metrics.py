"""Uplift curves, AUUC, Qini, uplift at k and RATE: against scikit-uplift and known truth."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from causaldist.datasets import make_heterogeneous
from causaldist.evaluation import Estimate
from causaldist.metalearners import TLearner
from causaldist.metrics import (
    UpliftScorer,
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_auc_score,
    qini_curve,
    rank_average_treatment_effect,
    uplift_at_k,
    uplift_auc_score,
    uplift_curve,
)
from causaldist.uplift import TwoModelUplift

FIXTURE = Path(__file__).parent / "fixtures" / "sklift_reference.json"
CASES = json.loads(FIXTURE.read_text())["cases"]


def _ours(case):
    y, t, u = (np.asarray(case[k]) for k in ("y", "t", "uplift"))
    out = {
        "uplift_curve": uplift_curve(y, u, t),
        "qini_curve": qini_curve(y, u, t),
        "perfect_uplift_curve": perfect_uplift_curve(y, t),
        "perfect_qini_curve": perfect_qini_curve(y, t),
        "uplift_auc_score": uplift_auc_score(y, u, t),
        "qini_auc_score": qini_auc_score(y, u, t),
        "qini_auc_score_no_negative": qini_auc_score(y, u, t, negative_effect=False),
    }
    for key in case["reference"]:
        if key.startswith("uplift_at_k_"):
            strategy, k = key[len("uplift_at_k_"):].rsplit("_", 1)
            k = int(k) if k.isdigit() else float(k)
            out[key] = uplift_at_k(y, u, t, strategy=strategy, k=k)
    return out


@pytest.mark.parametrize("index", range(len(CASES)))
def test_equals_sklift_reference_values(index):
    """Every metric equals the value scikit-uplift 0.5.1 produced (fixture) to 1e-10."""
    case = CASES[index]
    ours = _ours(case)
    for key, expected in case["reference"].items():
        got = ours[key]
        if isinstance(expected, list):
            for a, b in zip(got, expected):
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=key)
        else:
            assert got == pytest.approx(expected, rel=0, abs=1e-10), key


def test_equals_live_sklift_on_random_data():
    """Where scikit-uplift imports, compare with it live on fresh random data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(12)
    for _ in range(30):
        n = int(rng.integers(20, 400))
        y = rng.integers(0, 2, n)
        t = rng.integers(0, 2, n)
        y[:2], t[:2] = [0, 1], [0, 1]
        u = np.round(rng.normal(size=n), int(rng.integers(0, 3)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pairs = [
                (sk.qini_auc_score(y, u, t), qini_auc_score(y, u, t)),
                (sk.uplift_auc_score(y, u, t), uplift_auc_score(y, u, t)),
                (sk.uplift_at_k(y, u, t, "by_group", 0.4), uplift_at_k(y, u, t, "by_group", 0.4)),
            ]
            for f_sk, f_ours in ((sk.qini_curve, qini_curve), (sk.uplift_curve, uplift_curve)):
                pairs += list(zip(f_sk(y, u, t), f_ours(y, u, t)))
        for a, b in pairs:
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-10)


def _data(n, seed=0, binary=True):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    if binary:
        y = (rng.random(n) < 0.3 + 0.2 * t * (x > 0)).astype(float)
    else:
        y = x + t * x + rng.normal(size=n)
    return y, x, t


scores_st = st.lists(st.integers(-3, 3), min_size=12, max_size=60)


@settings(max_examples=60, deadline=None)
@given(u=scores_st, seed=st.integers(0, 1000), scale=st.floats(0.1, 100), shift=st.floats(-5, 5))
def test_invariant_to_row_order_and_monotone_rescaling(u, seed, scale, shift):
    rng = np.random.default_rng(seed)
    n = len(u)
    u = np.asarray(u, dtype=float)
    y = rng.integers(0, 2, n)
    t = rng.integers(0, 2, n)
    y[:2], t[:2] = [0, 1], [0, 1]
    perm = rng.permutation(n)
    for metric in (qini_auc_score, uplift_auc_score):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            base = metric(y, u, t)
            assert metric(y[perm], u[perm], t[perm]) == pytest.approx(base, abs=1e-12)
            assert metric(y, scale * u + shift, t) == pytest.approx(base, abs=1e-12)
    # Ties form one step, so row order inside them cannot matter for the curve.
    np.testing.assert_allclose(
        qini_curve(y[perm], u[perm], t[perm])[1], qini_curve(y, u, t)[1], atol=1e-12
    )


def test_all_tied_scores_give_the_random_chord():
    y, _, t = _data(500)
    x, curve = qini_curve(y, np.zeros(500), t)
    assert x.tolist() == [0.0, 500.0]
    assert qini_auc_score(y, np.zeros(500), t) == pytest.approx(0.0, abs=1e-12)
    assert uplift_auc_score(y, np.zeros(500), t) == pytest.approx(0.0, abs=1e-12)


def test_integer_weights_equal_repeated_rows():
    y, u, t = _data(300, binary=False)
    u = np.round(u, 1)
    w = np.random.default_rng(3).integers(0, 4, 300)
    w[:2] = 1
    rep = np.repeat(np.arange(300), w)
    for curve in (qini_curve, uplift_curve):
        xa, ya = curve(y, u, t, sample_weight=w)
        xb, yb = curve(y[rep], u[rep], t[rep])
        keep = np.r_[True, np.diff(xa) > 0]  # zero-weight groups add a repeated point
        np.testing.assert_allclose(xa[keep], xb)
        np.testing.assert_allclose(ya[keep], yb, atol=1e-9)
    assert qini_auc_score(y, u, t, sample_weight=w) == pytest.approx(
        qini_auc_score(y[rep], u[rep], t[rep]), abs=1e-10
    )
    assert uplift_at_k(y, u, t, "overall", 0.3, sample_weight=np.ones(300)) == pytest.approx(
        uplift_at_k(y, u, t, "overall", 0.3)
    )


def test_oracle_ranking_beats_noisy_and_reverse():
    y, x, t = _data(20000, seed=1)
    noisy = x + np.random.default_rng(2).normal(scale=2, size=x.size)
    for metric in (qini_auc_score, uplift_auc_score):
        assert metric(y, -x, t) < 0 < metric(y, noisy, t) < metric(y, x, t)
    assert uplift_at_k(y, x, t, "overall", 0.3) > uplift_at_k(y, -x, t, "overall", 0.3)


def test_continuous_outcome():
    y, x, t = _data(3000, binary=False)
    assert qini_auc_score(y, x, t) > 0.1
    with pytest.raises(ValueError, match="binary y_true"):
        uplift_auc_score(y, x, t)
    assert uplift_auc_score(y, x, t, normalize=False) > 0
    assert np.isfinite(uplift_at_k(y, x, t, "by_group", 0.2))


def test_normalised_scores_defined_when_perfect_gain_vanishes():
    """No responder at all: the perfect curve is flat; warn and return 0, not NaN or a blow-up."""
    t = np.tile([0, 1], 50)
    y = np.zeros(100)
    u = np.random.default_rng(0).normal(size=100)
    for metric in (qini_auc_score, uplift_auc_score):
        with pytest.warns(UndefinedMetricWarning, match="normalised score is undefined"):
            assert metric(y, u, t) == 0.0
        assert np.isnan(metric(y, u, t, zero_division=np.nan))
    with pytest.raises(ValueError, match="zero_division"):
        qini_auc_score(y, u, t, zero_division="zero")


def test_random_scores_normalised_auuc_near_zero():
    """causalml's normalised AUUC returns -0.51 on random scores; ours is ~0."""
    rng = np.random.default_rng(5)
    n = 20000
    t = rng.integers(0, 2, n)
    y = (rng.random(n) < 0.1).astype(float)  # no effect: total gain ~ 0
    values = [uplift_auc_score(y, rng.normal(size=n), t) for _ in range(20)]
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(20) + 1e-3


def test_treatment_labels_and_control():
    y, x, t = _data(400)
    labels = np.where(t == 1, "mail", "none")
    base = qini_auc_score(y, x, t)
    assert qini_auc_score(y, x, labels, control="none") == pytest.approx(base)
    assert qini_auc_score(y, x, t.astype(bool)) == pytest.approx(base)
    assert qini_auc_score(y, x, 1 - t, control=1) == pytest.approx(base)
    flipped = qini_auc_score(y, x, labels, control="mail")
    assert flipped != pytest.approx(base)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(treatment=np.r_[np.zeros(9), 2 * np.ones(9), [1, 1]]), "binary"),
        (dict(treatment=np.ones(20)), "two arms"),
        (dict(y_true=np.r_[np.nan, np.ones(19)]), "y_true"),
        (dict(uplift=np.r_[np.inf, np.ones(19)]), "uplift"),
        (dict(uplift=np.ones(19)), "uplift has 19 entries but y_true has 20"),
        (dict(treatment=np.repeat([0, 1], 10)[1:]), "treatment has 19 entries"),
        (dict(sample_weight=np.ones(21)), "sample_weight has 21 entries"),
        (dict(treatment=np.array([None] * 10 + ["a"] * 10)), "missing values"),
        (dict(treatment=np.array([1] * 10 + ["a"] * 10, dtype=object)), "comparable"),
        (dict(uplift=np.ones((20, 2))), "uplift must be 1-D"),
        (dict(sample_weight=-np.ones(20)), "non-negative"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(y_true=np.tile([0.0, 1.0], 10), uplift=np.arange(20.0), treatment=np.repeat([0, 1], 10))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        qini_auc_score(**args)


def test_uplift_at_k_errors():
    y, x, t = _data(100)
    with pytest.raises(ValueError, match="strategy"):
        uplift_at_k(y, x, t, "top")
    for k in (0, 1.0, 100, -0.2, "a"):
        with pytest.raises(ValueError, match="k"):
            uplift_at_k(y, x, t, "overall", k=k)
    u = np.where(t == 1, 10.0, 0.0)  # the top 10 units are all treated
    with pytest.raises(ValueError, match="no control unit"):
        uplift_at_k(y, u, t, "overall", k=10)
    with pytest.raises(ValueError, match="exceeds"):
        uplift_at_k(y, x, t, "by_group", k=90)


def test_uplift_at_k_ties_follow_sklift_order():
    """Among scores tied at the cut, later rows rank first (sklift's reversed stable sort)."""
    y = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    t = np.array([1, 1, 0, 0, 1, 0, 1, 0])
    u = np.array([5, 1, 1, 1, 1, 0, 0, 0])
    order = np.argsort(u, kind="stable")[::-1][:3]
    top = np.zeros(8, bool)
    top[order] = True
    expected = y[top & (t == 1)].mean() - y[top & (t == 0)].mean()
    assert uplift_at_k(y, u, t, "overall", k=3) == expected


# -- RATE -------------------------------------------------------------------------

# tau(x) = x, x ~ N(0, 1), priority = x: TOC(q) = phi(Phi^-1(1 - q)) / q, so
# QINI = int_0^1 phi(Phi^-1(1 - q)) dq = int phi(z)^2 dz = 1 / (2 sqrt(pi)).
TRUE_QINI = 1 / (2 * np.sqrt(np.pi))
TRUE_AUTOC = integrate.quad(lambda q: norm.pdf(norm.ppf(1 - q)) / q, 0, 1, limit=200)[0]


def _rct(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.integers(0, 2, n)
    y = 0.5 * x + t * x + rng.normal(size=n)
    return x, y, t


@pytest.mark.parametrize("target, truth", [("QINI", TRUE_QINI), ("AUTOC", TRUE_AUTOC)])
def test_rate_unbiased_on_known_truth(target, truth):
    """Mean over seeds within 3 standard errors of the mean of the population RATE."""
    est = []
    for seed in range(40):
        x, y, t = _rct(4000, seed)
        res = rank_average_treatment_effect(
            x, y=y, treatment=t, propensity=0.5, target=target, n_bootstrap=2, random_state=seed
        )
        est.append(res.value)
    se = np.std(est, ddof=1) / np.sqrt(len(est))
    assert abs(np.mean(est) - truth) < 3 * se


def test_rate_of_random_priorities():
    x, y, t = _rct(3000, 0)
    rng = np.random.default_rng(1)
    res = rank_average_treatment_effect(rng.normal(size=3000), y=y, treatment=t, random_state=0)
    lo, hi = res.conf_int(alpha=0.05)
    assert lo < 0 < hi and res.pvalue() > 0.05


def test_rate_result_is_an_estimate_and_old_names_warn():
    x, y, t = _rct(2000, 4)
    res = rank_average_treatment_effect(x, y=y, treatment=t, random_state=0)
    assert isinstance(res, Estimate) and res.n == 2000 and res.n_bootstrap == 200
    z = norm.ppf(0.95)
    assert res.conf_int(alpha=0.1) == pytest.approx(
        (res.value - z * res.stderr, res.value + z * res.stderr)
    )
    assert res.pvalue() == pytest.approx(2 * norm.sf(abs(res.value) / res.stderr))
    frame = res.summary_frame()
    assert frame.index.tolist() == ["AUTOC"]
    assert frame["point_estimate"].iloc[0] == res.value
    with pytest.warns(FutureWarning, match="use RATEResult.value"):
        assert res.estimate == res.value
    with pytest.warns(FutureWarning, match="conf_int"):
        assert res.confidence_interval == res.conf_int(alpha=0.05)


def test_rate_weights_equal_repeated_rows_and_dr_scores():
    x, y, t = _rct(500, 2)
    w = np.random.default_rng(0).integers(1, 4, 500)
    rep = np.repeat(np.arange(500), w)
    g = np.column_stack([y * (1 - t) / 0.5, y * t / 0.5])  # IPW scores as Gamma(0), Gamma(1)
    a = rank_average_treatment_effect(x, g, sample_weight=w, n_bootstrap=2, random_state=0)
    b = rank_average_treatment_effect(x[rep], g[rep], n_bootstrap=2, random_state=0)
    c = rank_average_treatment_effect(
        x[rep], y=y[rep], treatment=t[rep], propensity=0.5, n_bootstrap=2, random_state=0
    )
    assert a.value == pytest.approx(b.value, abs=1e-10)
    assert b.value == pytest.approx(c.value, abs=1e-10)
    np.testing.assert_allclose(a.toc, b.toc, atol=1e-10)


def test_rate_reproducible_and_independent_of_n_jobs():
    x, y, t = _rct(2000, 3)
    a = rank_average_treatment_effect(x, y=y, treatment=t, random_state=7, n_jobs=1)
    b = rank_average_treatment_effect(x, y=y, treatment=t, random_state=7, n_jobs=2)
    assert a.stderr == b.stderr
    assert a.toc.shape == a.q.shape == (100,)
    assert "AUTOC" in repr(a)


@pytest.mark.slow
def test_rate_interval_coverage():
    """95% bootstrap intervals of the Qini RATE cover the truth in [0.93, 0.97] of 300 trials."""
    hits = []
    for seed in range(300):
        x, y, t = _rct(2000, 1000 + seed)
        res = rank_average_treatment_effect(
            x, y=y, treatment=t, propensity=0.5, target="QINI", random_state=seed
        )
        lo, hi = res.conf_int(alpha=0.05)
        hits.append(lo <= TRUE_QINI <= hi)
    assert 0.93 <= np.mean(hits) <= 0.97, np.mean(hits)


_S = np.random.default_rng(0).normal(size=200)
_T = np.tile([0, 1], 100)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        # each returned 0 +- 0, NaN or inf before it raised
        (dict(priorities=np.ones(200), scores=_S), "priorities are all equal"),
        (
            dict(priorities=np.r_[0.0, np.ones(199)], scores=_S,
                 sample_weight=np.r_[0.0, np.ones(199)]),
            "priorities are all equal",
        ),
        (dict(priorities=_S, scores=np.ones(200)), r"constant \(computed from scores"),
        (dict(priorities=_S, y=np.zeros(200), treatment=_T), r"constant \(computed from y"),
        (dict(priorities=[1.0], scores=[2.0]), "at least two units"),
        (
            dict(priorities=_S, scores=_S, sample_weight=np.r_[1.0, np.zeros(199)]),
            "at least two units",
        ),
        (dict(priorities=_S, scores=_S * 1e307), "overflowed: scores"),
        (dict(priorities=_S, y=_S * 1e10, treatment=_T, propensity=1e-300), "propensity"),
        (
            dict(priorities=_S, y=_S, treatment=_T, sample_weight=_T.astype(float)),
            "sample_weight gives one arm",
        ),
        (dict(priorities=_S, scores=_S, y=_S, treatment=_T), "not both"),
        (dict(priorities=_S, scores=_S[:-1]), "scores has 199 entries"),
        (dict(priorities=_S, y=_S, treatment=_T, propensity=[0.5] * 3), "propensity has 3"),
        (  # both replicates draw one unit twice: a tie, RATE 0
            dict(priorities=[1.0, 2.0], scores=[1.0, 3.0], n_bootstrap=2, random_state=4),
            "stderr 0",
        ),
    ],
)
def test_rate_degenerate_input_raises(kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the error
        with pytest.raises(ValueError, match=match):
            rank_average_treatment_effect(**{"random_state": 0, **kwargs})


def test_rate_bad_input():
    x, y, t = _rct(100, 0)
    with pytest.raises(ValueError, match="target"):
        rank_average_treatment_effect(x, y=y, treatment=t, target="AUC")
    with pytest.raises(ValueError, match="either scores"):
        rank_average_treatment_effect(x)
    with pytest.raises(ValueError, match="propensity"):
        rank_average_treatment_effect(x, y=y, treatment=t, propensity=1.0)
    with pytest.raises(ValueError, match="scores must be"):
        rank_average_treatment_effect(x, np.ones((100, 3)))
    with pytest.raises(ValueError, match="n_bootstrap"):
        rank_average_treatment_effect(x, y=y, treatment=t, n_bootstrap=1)
    with pytest.raises(ValueError, match="priorities"):
        rank_average_treatment_effect(np.r_[np.nan, x[1:]], y=y, treatment=t)


# -- scorer -------------------------------------------------------------------------

def test_uplift_scorer_in_grid_search():
    X, y, t, tau = make_heterogeneous(n_samples=800, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            TLearner(), {"outcome_model__max_depth": [1, 3]},
            scoring=UpliftScorer("qini_auc"), cv=2,
        ).fit(X, y, treatment=t)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    est = TLearner().fit(X[:400], y[:400], treatment=t[:400])
    direct = qini_auc_score(y[400:], est.predict(X[400:]), t[400:])
    scorer = UpliftScorer("qini_auc")
    assert scorer(est, X[400:], y[400:], treatment=t[400:]) == pytest.approx(direct)
    at_k = UpliftScorer("uplift_at_k", strategy="by_group", k=0.2)
    assert np.isfinite(at_k(est, X[400:], y[400:], treatment=t[400:]))
    assert "k=0.2" in repr(at_k)


def test_uplift_scorer_fails_loudly_without_routing():
    X, y, t, tau = make_heterogeneous(n_samples=300, random_state=0)
    with pytest.raises((ValueError, TypeError), match="enable_metadata_routing"):
        GridSearchCV(
            TLearner(), {"outcome_model__max_depth": [1, 3]}, scoring=UpliftScorer(), cv=2
        ).fit(X, y)
    with pytest.raises(ValueError, match="metric"):
        UpliftScorer("auc")


def test_uplift_scorer_scores_a_pipeline_in_grid_search():
    # Regression: the scorer called the private estimator._validate_X_predict,
    # which a Pipeline lacks; GridSearchCV turned the AttributeError into NaN
    # scores and refit an arbitrary candidate.
    X, y, t, tau = make_heterogeneous(n_samples=600, design="rct", random_state=0)
    # "no_contact" sorts after "email": the scorer must take the control from
    # the pipeline's last step, not the smallest label.
    labels = np.where(t == 1, "email", "no_contact")
    uplift = TwoModelUplift(
        treatment_model=DecisionTreeRegressor(random_state=0),
        control_model=LinearRegression(), control="no_contact",
    )
    pipe = make_pipeline(StandardScaler(), uplift)
    grid = {"twomodeluplift__treatment_model__max_depth": [1, 3]}
    for metric in ("qini_auc", "rate"):
        with sklearn.config_context(enable_metadata_routing=True):
            search = GridSearchCV(pipe, grid, scoring=UpliftScorer(metric), cv=2)
            search.fit(X, y, treatment=labels)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"])), metric
    best = search.best_estimator_
    direct = qini_auc_score(y, best.predict(X), labels, control="no_contact")
    assert UpliftScorer()(best, X, y, treatment=labels) == pytest.approx(direct)
    assert direct != pytest.approx(qini_auc_score(y, best.predict(X), labels))


def test_uplift_scorer_rate_and_constant_predictions():
    X, y, t, tau = make_heterogeneous(n_samples=400, design="rct", random_state=1)
    est = TLearner().fit(X[:200], y[:200], treatment=t[:200])
    u = est.predict(X[200:])
    rate = UpliftScorer("rate", target="QINI")(est, X[200:], y[200:], treatment=t[200:])
    ref = rank_average_treatment_effect(
        u, y=y[200:], treatment=t[200:], target="QINI", n_bootstrap=2, random_state=0
    )
    assert rate == pytest.approx(ref.value, abs=1e-12)
    # A constant ranking is random targeting: RATE 0 as a score, not an error.
    flat = TLearner(outcome_model=DummyRegressor()).fit(X, y, treatment=t)
    assert UpliftScorer("rate")(flat, X, y, treatment=t) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="control"):
        UpliftScorer("qini_auc", control=1)
    three = TLearner().fit(X, y, treatment=np.arange(400) % 3)
    with pytest.raises(ValueError, match="binary treatment"):
        UpliftScorer()(three, X, y, treatment=np.arange(400) % 3)
