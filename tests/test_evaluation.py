"""Off-policy evaluators, ATE/ATT and overlap diagnostics (causaldist.evaluation).

Statistical checks use known truth: the potential-outcome means ``mu`` of
``make_heterogeneous``, or a linear-logistic design built here whose policy
value and ATE are known in closed form. Tolerances are multiples of standard
errors estimated from the replications themselves.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from causaldist.datasets import make_heterogeneous
from causaldist.evaluation import (
    AverageTreatmentEffect,
    DREvaluator,
    IPWEvaluator,
    PolicyValue,
    SNIPWEvaluator,
    overlap_diagnostics,
)
from causaldist.model_selection import make_folds

EVALUATORS = [IPWEvaluator, SNIPWEvaluator, DREvaluator]


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    # Thousands of tiny linear fits: BLAS threads only contend with the other
    # xdist worker on a 2-core machine (3x slower with them).
    with threadpool_limits(limits=1):
        yield


def _make(cls, **kw):
    """An evaluator with cheap nuisances (linear outcome, logistic propensity)."""
    if cls is DREvaluator:
        kw.setdefault("outcome_model", LinearRegression())
    kw.setdefault("propensity_model", LogisticRegression())
    return cls(**kw)


# -- a correctly specified linear-logistic design ------------------------------
# X ~ N(0, I_3), e(x) = sigmoid(0.4 x0 - 0.3 x1),
# Y = 1 + x0 + 0.5 x1 + A (0.5 + x2) + eps: LogisticRegression and a
# per-arm LinearRegression are both correct. For pi(x) = 1{x2 > 0} the value
# is 1 + E[(0.5 + x2) 1{x2 > 0}] = 1.25 + phi(0); the ATE is 0.5.
LINEAR_VALUE = 1.25 + norm.pdf(0.0)
LINEAR_ATE = 0.5


def _linear_design(n, rng):
    X = rng.standard_normal((n, 3))
    e = 1.0 / (1.0 + np.exp(-(0.4 * X[:, 0] - 0.3 * X[:, 1])))
    A = (rng.random(n) < e).astype(int)
    y = 1 + X[:, 0] + 0.5 * X[:, 1] + A * (0.5 + X[:, 2]) + rng.standard_normal(n)
    return X, y, A, e


def _policy(X):
    return (X[:, 2] > 0).astype(int)


def _true_value(mu, P):
    """Sample value of a policy with action probabilities P under truth mu."""
    return np.sum(P * mu, axis=1).mean()


def _one_hot(codes, k):
    return np.eye(k)[codes]


def _proba(labels, categories):
    """Deterministic policy as action probabilities, columns in categories order."""
    return (np.asarray(labels)[:, None] == categories).astype(float)


# -- unbiasedness -------------------------------------------------------------
def test_ipw_and_dr_unbiased_in_rct():
    """Mean error over seeds is within 3 of its own standard errors of zero."""
    n_rep, n, k = 150, 400, 3
    errors = {"IPW": [], "DR": [], "DR-estimated-e": []}
    for seed in range(n_rep):
        b = make_heterogeneous(
            n, 5, n_arms=k, design="rct", return_truth=True, random_state=seed
        )
        # a stochastic policy over three arms that depends on x2
        s = 1 / (1 + np.exp(-b.X[:, 2]))
        P = np.column_stack([0.2 * np.ones(n), 0.8 * s, 0.8 * (1 - s)])
        truth = _true_value(b.mu, P)
        design = np.full((1, k), 1 / k)
        ipw = IPWEvaluator().fit(b.X, b.y, treatment=b.treatment, propensity=design)
        dr = DREvaluator(outcome_model=LinearRegression(), cv=3).fit(
            b.X, b.y, treatment=b.treatment, propensity=design
        )
        # Estimated arm shares: the correct propensity model of an RCT. (A
        # logistic model of pure noise with a misspecified outcome model
        # leaves a second-order bias of order p/n, about 0.02 at this n.)
        dr_e = DREvaluator(outcome_model=LinearRegression(), propensity_model=DummyClassifier(), cv=3).fit(
            b.X, b.y, treatment=b.treatment
        )
        errors["IPW"].append(ipw.evaluate(P).value - truth)
        errors["DR"].append(dr.evaluate(P).value - truth)
        errors["DR-estimated-e"].append(dr_e.evaluate(P).value - truth)
    for name, err in errors.items():
        err = np.asarray(err)
        se = err.std(ddof=1) / np.sqrt(n_rep)
        assert abs(err.mean()) < 3 * se, (name, err.mean(), se)


@pytest.mark.parametrize("wrong", ["outcome", "propensity"])
def test_dr_consistent_with_one_misspecified_nuisance(wrong):
    """DR stays unbiased; the estimator that relies on the wrong nuisance does not.

    The observational design of make_heterogeneous is confounded through x0
    and x1: its propensity is logistic-linear (LogisticRegression is correct)
    and its outcomes are quadratic (a degree-2 polynomial regression is
    correct). A constant DummyRegressor or DummyClassifier is wrong.
    """
    n_rep, n = 40, 2000
    correct_outcome = make_pipeline(PolynomialFeatures(2), LinearRegression())
    dr_err, naive_err = [], []
    for seed in range(n_rep):
        b = make_heterogeneous(n, 4, return_truth=True, random_state=seed)
        # the policy depends on the confounder x0, so that a wrong propensity
        # (the naive arm means) biases its IPW value
        P = _one_hot((b.X[:, 0] + b.X[:, 2] > 0).astype(int), 2)
        truth = _true_value(b.mu, P)
        if wrong == "outcome":
            dr = DREvaluator(outcome_model=DummyRegressor(), propensity_model=LogisticRegression(), cv=3)
            dr.fit(b.X, b.y, treatment=b.treatment)
            # regression-only (direct method) value from the wrong outcome model
            naive = np.sum(P * dr.outcome_, axis=1).mean()
        else:
            dr = DREvaluator(outcome_model=correct_outcome, propensity_model=DummyClassifier(), cv=3)
            dr.fit(b.X, b.y, treatment=b.treatment)
            naive = (
                IPWEvaluator(propensity_model=DummyClassifier(), cv=3)
                .fit(b.X, b.y, treatment=b.treatment)
                .evaluate(P)
                .value
            )
        dr_err.append(dr.evaluate(P).value - truth)
        naive_err.append(naive - truth)
    dr_err, naive_err = np.asarray(dr_err), np.asarray(naive_err)
    se_dr = dr_err.std(ddof=1) / np.sqrt(n_rep)
    se_naive = naive_err.std(ddof=1) / np.sqrt(n_rep)
    assert abs(dr_err.mean()) < 3 * se_dr, (dr_err.mean(), se_dr)
    assert abs(naive_err.mean()) > 10 * se_naive, (naive_err.mean(), se_naive)
    assert abs(naive_err.mean()) > 5 * abs(dr_err.mean())


def test_att_unbiased_observational():
    """DR and IPW ATT against the sample ATT, in the confounded design."""
    n_rep, n = 60, 1000
    err = {"dr": [], "ipw": []}
    for seed in range(n_rep):
        b = make_heterogeneous(n, 4, n_arms=3, return_truth=True, random_state=seed)
        tau = b.mu[:, 1:] - b.mu[:, [0]]
        truth = [tau[b.treatment == a, a - 1].mean() for a in (1, 2)]
        for method in err:
            est = AverageTreatmentEffect(
                method,
                "att",
                outcome_model=LinearRegression(),
                propensity_model=LogisticRegression(),
                cv=3,
            ).fit(b.X, b.y, treatment=b.treatment)
            err[method].append(est.estimate_.value - truth)
    for method, e in err.items():
        e = np.asarray(e)
        se = e.std(axis=0, ddof=1) / np.sqrt(n_rep)
        assert np.all(np.abs(e.mean(axis=0)) < 3 * se), (method, e.mean(axis=0), se)


# -- coverage of the 95% intervals -------------------------------------------
N_COVER, N_REP_COVER = 500, 1000


def _coverage(hits):
    hits = np.asarray(hits)
    return hits.mean(), hits.std(ddof=1) / np.sqrt(hits.size)


def _report(name, hits):
    cov, se = _coverage(hits)
    print(
        f"\ncoverage of the 95% interval, {name}: {cov:.3f} "
        f"(+/- {se:.3f}; {len(hits)} replications of n={N_COVER})"
    )
    return cov


@pytest.mark.slow
def test_coverage_ipw_snipw_known_propensity():
    rng = np.random.default_rng(20261124)
    hits = {"IPW": [], "SNIPW": []}
    for _ in range(N_REP_COVER):
        X, y, A, e = _linear_design(N_COVER, rng)
        for cls, name in ((IPWEvaluator, "IPW"), (SNIPWEvaluator, "SNIPW")):
            lo, hi = (
                cls()
                .fit(X, y, treatment=A, propensity=e)
                .evaluate(_policy(X))
                .conf_int()
            )
            hits[name].append(lo <= LINEAR_VALUE <= hi)
    for name, h in hits.items():
        assert 0.93 <= _report(f"{name} value (known propensity)", h) <= 0.97


@pytest.mark.slow
def test_coverage_dr_value():
    rng = np.random.default_rng(11)
    hits = []
    for _ in range(N_REP_COVER):
        X, y, A, _ = _linear_design(N_COVER, rng)
        ev = _make(DREvaluator, cv=2).fit(X, y, treatment=A)
        lo, hi = ev.evaluate(_policy).conf_int()
        hits.append(lo <= LINEAR_VALUE <= hi)
    assert 0.93 <= _report("DR value (cross-fitted e and mu)", hits) <= 0.97


@pytest.mark.slow
def test_coverage_dr_ate():
    rng = np.random.default_rng(12)
    hits = []
    for _ in range(N_REP_COVER):
        X, y, A, _ = _linear_design(N_COVER, rng)
        ate = AverageTreatmentEffect(
            outcome_model=LinearRegression(),
            propensity_model=LogisticRegression(),
            cv=2,
        ).fit(X, y, treatment=A)
        lo, hi = ate.estimate_.conf_int()
        hits.append(lo <= LINEAR_ATE <= hi)
    assert 0.93 <= _report("DR ATE (cross-fitted e and mu)", hits) <= 0.97


# -- invariances (hypothesis) -------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), n_arms=st.integers(2, 3))
def test_row_permutation_invariance(seed, n_arms):
    b = make_heterogeneous(120, 4, n_arms=n_arms, return_truth=True, random_state=seed)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(120)
    pos = np.empty_like(perm)
    pos[perm] = np.arange(120)  # new position of old row i
    pol = rng.integers(0, n_arms, 120)
    folds = make_folds(3, b.treatment)
    folds_perm = [(np.sort(pos[tr]), np.sort(pos[te])) for tr, te in folds]
    for cls in EVALUATORS:
        a = _make(cls, cv=folds).fit(b.X, b.y, treatment=b.treatment)
        p = _make(cls, cv=folds_perm).fit(
            b.X[perm], b.y[perm], treatment=b.treatment[perm]
        )
        ra, rp = a.evaluate(pol), p.evaluate(pol[perm])
        np.testing.assert_allclose(rp.value, ra.value, rtol=1e-6)
        np.testing.assert_allclose(rp.stderr, ra.stderr, rtol=1e-6)
        np.testing.assert_allclose(p.scores_, a.scores_[perm], rtol=1e-6, atol=1e-8)
    # known propensities need no folds: equal up to summation order
    for cls in (IPWEvaluator, SNIPWEvaluator):
        a = cls().fit(b.X, b.y, treatment=b.treatment, propensity=b.propensity)
        p = cls().fit(
            b.X[perm],
            b.y[perm],
            treatment=b.treatment[perm],
            propensity=b.propensity[perm],
        )
        ra, rp = a.evaluate(pol), p.evaluate(pol[perm])
        np.testing.assert_allclose(rp.value, ra.value, rtol=1e-12)
        np.testing.assert_allclose(rp.stderr, ra.stderr, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n_arms=st.integers(2, 3),
    names=st.permutations(["zeta", "alpha", "mid"]),
)
def test_treatment_relabelling_invariance(seed, n_arms, names):
    """String labels in any order, control named explicitly: same values."""
    b = make_heterogeneous(150, 4, n_arms=n_arms, return_truth=True, random_state=seed)
    labels = np.asarray(names[:n_arms])
    t_new = labels[b.treatment]
    pol = np.random.default_rng(seed).integers(0, n_arms, 150)
    for cls in EVALUATORS:
        a = _make(cls).fit(b.X, b.y, treatment=b.treatment)
        r = _make(cls, control=labels[0]).fit(b.X, b.y, treatment=t_new)
        assert r.categories_[0] == labels[0]
        np.testing.assert_allclose(
            r.evaluate(labels[pol]).value, a.evaluate(pol).value, rtol=1e-6
        )
        # scores_ columns follow categories_
        cols = [list(labels).index(c) for c in r.categories_]
        np.testing.assert_allclose(r.scores_, a.scores_[:, cols], rtol=1e-6, atol=1e-8)
    ate = AverageTreatmentEffect(outcome_model=LinearRegression()).fit(
        b.X, b.y, treatment=b.treatment
    )
    ate_r = AverageTreatmentEffect(
        outcome_model=LinearRegression(), control=labels[0]
    ).fit(b.X, b.y, treatment=t_new)
    order = [list(labels).index(c) - 1 for c in ate_r.categories_[1:]]
    np.testing.assert_allclose(
        np.atleast_1d(ate_r.estimate_.value), np.atleast_1d(ate.estimate_.value)[order],
        rtol=1e-6,
    )


# -- policy input forms, compare ------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    b = make_heterogeneous(
        600,
        4,
        n_arms=3,
        treatment_labels=["ctl", "b", "c"],
        return_truth=True,
        random_state=3,
    )
    evs = {
        cls: _make(cls, random_state=0, control="ctl").fit(
            b.X, b.y, treatment=b.treatment
        )
        for cls in EVALUATORS
    }
    return b, evs


@pytest.mark.parametrize("cls", EVALUATORS)
def test_policy_forms_agree(fitted, cls):
    b, evs = fitted
    ev = evs[cls]
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(
        b.X, np.where(b.X[:, 2] > 0, "b", np.where(b.X[:, 3] > 0, "c", "ctl"))
    )
    labels = tree.predict(b.X)
    P = _proba(labels, ev.categories_)
    ref = ev.evaluate(labels)
    for form in (tree, tree.predict, lambda X: P, P, list(labels), pd.Series(labels)):
        res = ev.evaluate(form)
        assert isinstance(res, PolicyValue) and res.n == 600
        assert res.value == pytest.approx(ref.value, rel=1e-12)
        assert res.stderr == pytest.approx(ref.stderr, rel=1e-12)
        np.testing.assert_allclose(res.scores, ref.scores)
    # value = mean(scores), stderr = sd(scores) / sqrt(n)
    assert ref.value == pytest.approx(ref.scores.mean())
    assert ref.stderr == pytest.approx(ref.scores.std(ddof=1) / np.sqrt(600))
    # a single label means "everyone gets that arm"
    assert ev.evaluate("c").value == pytest.approx(ev.evaluate(np.full(600, "c")).value)


@pytest.mark.parametrize("cls", [IPWEvaluator, DREvaluator])
def test_stochastic_policy_is_the_mixture(fitted, cls):
    """IPW and DR values are linear in the action probabilities."""
    b, evs = fitted
    ev = evs[cls]
    pa, pb = np.full(600, "b"), np.where(b.X[:, 0] > 0, "c", "ctl")
    mix = 0.3 * _proba(pa, ev.categories_) + 0.7 * _proba(pb, ev.categories_)
    expected = 0.3 * ev.evaluate(pa).value + 0.7 * ev.evaluate(pb).value
    assert ev.evaluate(mix).value == pytest.approx(expected, rel=1e-12)


def test_estimator_policy_sees_x_as_given():
    """A pipeline selecting DataFrame columns by name works on the stored X."""
    X, y, t, _ = make_heterogeneous(300, 4, as_frame=True, random_state=0)
    pol = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["x2", "x3"])]),
        DecisionTreeClassifier(max_depth=1, random_state=0),
    ).fit(X, (X["x2"] > 0).astype(int))
    ev = _make(DREvaluator).fit(X, y, treatment=t)
    assert ev.evaluate(pol).value == pytest.approx(
        ev.evaluate((X["x2"] > 0).astype(int)).value
    )
    # the same rows passed explicitly give the same value
    assert ev.evaluate(pol, X=X).value == pytest.approx(ev.evaluate(pol).value)


@pytest.mark.parametrize("cls", EVALUATORS)
def test_compare_paired(fitted, cls):
    b, evs = fitted
    ev = evs[cls]
    pa = np.where(b.X[:, 2] > 0, "b", "ctl")
    pb = np.where(b.X[:, 2] > 0.3, "b", "ctl")  # agrees with pa on ~88% of units
    ra, rb, d = ev.evaluate(pa), ev.evaluate(pb), ev.compare(pa, pb)
    assert d.value == pytest.approx(ra.value - rb.value, rel=1e-10, abs=1e-12)
    assert d.stderr < 0.5 * np.hypot(ra.stderr, rb.stderr)
    np.testing.assert_allclose(d.scores, ra.scores - rb.scores)
    assert ev.compare(pa, pa).value == 0 and ev.compare(pa, pa).stderr == 0


def test_dr_ate_matches_compare_and_summary():
    b = make_heterogeneous(
        500,
        4,
        n_arms=3,
        treatment_labels=["ctl", "b", "c"],
        random_state=1,
        return_truth=True,
    )
    kw = dict(
        outcome_model=LinearRegression(),
        propensity_model=LogisticRegression(),
        random_state=0,
        control="ctl",
    )
    ate = AverageTreatmentEffect(**kw).fit(b.X, b.y, treatment=b.treatment)
    ev = DREvaluator(**kw).fit(b.X, b.y, treatment=b.treatment)
    np.testing.assert_allclose(ate.scores_, ev.scores_)
    for k, arm in enumerate(["b", "c"]):
        d = ev.compare(arm, "ctl")
        assert ate.estimate_.value[k] == pytest.approx(d.value, rel=1e-10)
        assert ate.estimate_.stderr[k] == pytest.approx(d.stderr, rel=1e-10)
    table = ate.estimate_.summary_frame(alpha=0.1)
    assert table.index.tolist() == ["b", "c"]
    assert table.columns.tolist() == [
        "point_estimate",
        "stderr",
        "zstat",
        "pvalue",
        "ci_lower",
        "ci_upper",
    ]
    lo, hi = ate.estimate_.conf_int(0.1)
    np.testing.assert_allclose(table["ci_lower"], lo)
    np.testing.assert_allclose(hi - lo, 2 * norm.ppf(0.95) * ate.estimate_.stderr)
    np.testing.assert_allclose(
        np.sqrt(np.diag(ate.covariance_)), ate.estimate_.stderr, rtol=1e-10
    )
    # IPW ATE with known propensities is the difference of the IPW values
    ipw_ate = AverageTreatmentEffect("ipw", control="ctl").fit(
        b.X, b.y, treatment=b.treatment, propensity=b.propensity
    )
    ipw = IPWEvaluator(control="ctl").fit(
        b.X, b.y, treatment=b.treatment, propensity=b.propensity
    )
    assert ipw_ate.estimate_.value[1] == pytest.approx(ipw.compare("c", "ctl").value, rel=1e-12)
    assert ipw_ate.folds_ is None  # nothing to cross-fit


def test_att_equals_ate_with_constant_effect():
    """With a constant effect and a correct outcome model, ATT and ATE agree."""
    rng = np.random.default_rng(0)
    X, y, A, _ = _linear_design(2000, rng)
    y = y - A * X[:, 2]  # constant effect 0.5
    res = {}
    for target in ("ate", "att"):
        res[target] = AverageTreatmentEffect(
            target=target,
            outcome_model=LinearRegression(),
            propensity_model=LogisticRegression(),
            random_state=0,
        ).fit(X, y, treatment=A)
    diff = abs(res["ate"].estimate_.value - res["att"].estimate_.value)
    assert diff < 3 * max(res["ate"].estimate_.stderr, res["att"].estimate_.stderr)


def test_sample_weight_equals_duplication_with_known_propensity():
    b = make_heterogeneous(200, 4, return_truth=True, random_state=0)
    w = np.random.default_rng(0).integers(0, 4, 200)
    rep = np.repeat(np.arange(200), w)
    pol = (b.X[:, 2] > 0).astype(int)
    for cls in (IPWEvaluator, SNIPWEvaluator):
        a = cls().fit(
            b.X, b.y, treatment=b.treatment, sample_weight=w, propensity=b.propensity
        )
        d = cls().fit(
            b.X[rep], b.y[rep], treatment=b.treatment[rep], propensity=b.propensity[rep]
        )
        assert a.evaluate(pol).value == pytest.approx(
            d.evaluate(pol[rep]).value, rel=1e-12
        )


# -- overlap ------------------------------------------------------------------
def test_overlap_report_and_warnings():
    b = make_heterogeneous(400, 4, return_truth=True, random_state=0)
    ev = IPWEvaluator().fit(b.X, b.y, treatment=b.treatment, propensity=b.propensity)
    rep = ev.overlap_
    assert rep.columns.tolist() == [
        "n",
        "propensity_min",
        "propensity_max",
        "ess",
        "ess_fraction",
        "n_clipped",
    ]
    assert rep["n"].sum() == 400 and np.all(rep["n_clipped"] == 0)
    np.testing.assert_allclose(rep["propensity_min"], b.propensity.min(axis=0))
    t, e = b.treatment, b.propensity
    w = 1 / e[t == 1, 1]
    assert rep.loc[1, "ess"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    # equal weights: ESS is the arm size
    rct = overlap_diagnostics(np.full((400, 2), 0.5), t)
    np.testing.assert_allclose(rct["ess_fraction"], 1.0)

    # a few treated units with tiny propensities carry the treated arm
    e_bad = np.full(400, 0.5)
    e_bad[:5] = 0.002
    t_bad = t.copy()
    t_bad[:5] = 1
    with pytest.warns(UserWarning, match="effective sample size"):
        IPWEvaluator().fit(b.X, b.y, treatment=t_bad, propensity=e_bad)

    # separated arms: estimated propensities are clipped, reported once
    t_sep = (b.X[:, 0] > 0).astype(int)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ev = IPWEvaluator(propensity_model=LogisticRegression(C=100), min_propensity=0.01).fit(
            b.X, b.y, treatment=t_sep
        )
    msgs = [str(r.message) for r in rec if "clipped" in str(r.message)]
    assert len(msgs) == 1 and msgs[0].startswith("Poor overlap"), msgs
    assert ev.overlap_["n_clipped"].sum() > 0


# -- bad input ----------------------------------------------------------------
@pytest.mark.parametrize("cls", EVALUATORS)
def test_bad_policy_input(fitted, cls):
    b, evs = fitted
    ev = evs[cls]
    P = _one_hot(np.zeros(600, dtype=int), 3)
    bad = [
        (np.full(599, "b"), "599 actions but the evaluator was fitted on 600"),
        (np.full(600, "d"), r"labels not seen in fit: \['d'\]"),
        (np.full(600, 7), "labels|compared"),
        (P * 0.9, "sum to 1 in every row; row 0 sums to 0.9"),
        (np.c_[P[:, :2] - 0.5, P[:, 2:] + 0.5], "non-negative"),
        (P[:, :2], r"probabilities of shape \(600, 3\)"),
        (np.zeros((600, 3, 1)), "1-D labels or 2-D probabilities"),
        (lambda X: np.ones(10), "10 actions"),
    ]
    for policy, match in bad:
        with pytest.raises(ValueError, match=match):
            ev.evaluate(policy)
    with pytest.raises(ValueError, match="X has 10 rows but the evaluator"):
        ev.evaluate(lambda X: X, X=b.X[:10])
    with pytest.raises(ValueError, match="policy_b"):
        ev.compare("b", np.full(600, "zz"))
    with pytest.raises(NotFittedError):
        cls().evaluate("b")


@pytest.mark.parametrize(
    "propensity, match",
    [
        (np.full((100, 3), 1 / 3), r"shape \(100, 2\)"),
        (np.full(99, 0.5), "99 entries"),
        (np.full((100, 2), 0.6), "sum to 1"),
        (1.5, r"\[0, 1\]"),
        ("zero-for-treated", "not identified"),
        (0.0, "not identified"),
        (1.0, "not identified"),
    ],
)
def test_bad_known_propensity(propensity, match):
    X, y, t, _ = make_heterogeneous(100, 4, random_state=0)
    if isinstance(propensity, str):
        propensity = np.where(t == 1, 0.0, 0.5)
    for est in (IPWEvaluator(), AverageTreatmentEffect("ipw")):
        with pytest.raises(ValueError, match=match):
            est.fit(X, y, treatment=t, propensity=propensity)


def test_bad_parameters_and_routing_request():
    X, y, t, _ = make_heterogeneous(100, 4, random_state=0)
    with pytest.raises(ValueError, match="method"):
        AverageTreatmentEffect(method="tmle").fit(X, y, treatment=t)
    with pytest.raises(ValueError, match="min_propensity"):
        IPWEvaluator(min_propensity=0.7).fit(X, y, treatment=t)
    with pytest.raises(ValueError, match="requires treatment"):
        DREvaluator().fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        AverageTreatmentEffect("ipw").fit(
            X, y, treatment=t, propensity=0.5
        ).estimate_.conf_int(1.5)
    # treatment and known propensities are routed without set_fit_request
    requests = DREvaluator().get_metadata_routing().fit.requests
    assert requests["treatment"] is True and requests["propensity"] is True


def test_pooled_outcome_model_one_fit_per_fold():
    """econml's structure: one outcome model on [X, one-hot(A)] per fold, consistent
    when it is right (additive truth), and DRPolicyTree passes it through."""
    from causaldist.policy import DRPolicyTree

    rng = np.random.default_rng(3)
    n = 4000
    X = rng.normal(size=(n, 2))
    A = rng.integers(0, 3, n)
    y = X[:, 0] + np.array([0.0, 0.5, 1.0])[A] + rng.normal(size=n)
    ev = DREvaluator(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2,
        pooled_outcome=True,
    ).fit(
        X, y, treatment=A
    )
    res = ev.compare(np.full(n, 2), np.zeros(n, dtype=int))
    assert abs(res.value - 1.0) < 3 * res.stderr
    per_arm = DREvaluator(outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2).fit(X, y, treatment=A)
    assert not np.allclose(per_arm.outcome_, ev.outcome_)
    # With a pooled linear model, arms differ by a constant shift of the
    # prediction within each fold (one model per fold).
    for _, test in ev.folds_:
        shift = ev.outcome_[test, 2] - ev.outcome_[test, 0]
        np.testing.assert_allclose(np.ptp(shift), 0, atol=1e-9)
    assert all(isinstance(m, LinearRegression) for m in ev.nuisances_.models["outcome"])
    tree = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(),
        max_depth=1, cv=2, pooled_outcome=True,
    ).fit(X, y, treatment=A)
    pooled = tree.evaluator_.nuisances_.models["outcome"]
    assert all(isinstance(m, LinearRegression) for m in pooled)  # not a list per arm
    np.testing.assert_allclose(tree.evaluator_.outcome_, ev.outcome_)
