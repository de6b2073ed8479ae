"""Inference of the linear final stages: statsmodels parity and coverage over replications."""

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import LinearRegression, LogisticRegression

from causaldist.dml import LinearDML
from causaldist.evaluation import EffectInference
from causaldist.inference._sandwich import ols_sandwich
from causaldist.metalearners import LinearDRLearner


def _dgp(kind, n, rng, clusters=None):
    """X = [x0, x1, w0]; theta_k(x) = a_k + b_k x1; heteroskedastic noise.

    Nuisance models are linear. The outcome regression E[Y | X] is not
    (it holds T(1 + x1)), but with a correctly specified treatment model the
    residual-on-residual moment is still unbiased (orthogonality in the
    other direction), so the intervals should cover at their nominal rate.
    """
    X = rng.normal(size=(n, 3))
    index = 0.5 * X[:, 0] + 0.5 * X[:, 2]
    if kind == "binary":
        T = (rng.random(n) < 1 / (1 + np.exp(-index))).astype(int)
        D = T[:, None].astype(float)
    elif kind == "k3":
        logits = np.column_stack([np.zeros(n), index, -index])
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        T = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
        D = np.column_stack([T == 1, T == 2]).astype(float)
    elif kind == "continuous":
        T = index + rng.normal(size=n)
        D = T[:, None]
    else:
        T = np.column_stack([index, -0.5 * X[:, 2]]) + rng.normal(size=(n, 2))
        D = T
    A = np.array([1.0, -1.0])[: D.shape[1]]
    B = np.array([1.0, 0.5])[: D.shape[1]]
    theta = A + X[:, [1]] * B
    noise = rng.normal(size=n) * (0.5 + np.abs(X[:, 1]))
    if clusters is not None:
        noise = noise + 1.5 * rng.normal(size=clusters.max() + 1)[clusters]
    y = X[:, 0] + X[:, 2] + np.sum(D * theta, axis=1) + noise
    return X, y, T, A, B


def _linear_dml(kind, **kw):
    disc = kind in ("binary", "k3")
    return LinearDML(
        outcome_model=LinearRegression(),
        treatment_model=LogisticRegression() if disc else LinearRegression(),
        discrete_treatment=disc, effect_features=[1], cv=2, **kw,
    )


# -- statsmodels parity ------------------------------------------------------
@pytest.mark.parametrize("cov_type", ["HC0", "HC1"])
@pytest.mark.parametrize("kind", ["binary", "k3", "continuous", "two"])
def test_linear_dml_equals_statsmodels_on_final_stage(kind, cov_type):
    rng = np.random.default_rng(0)
    X, y, T, _, _ = _dgp(kind, 400, rng)
    est = _linear_dml(kind, cov_type=cov_type, random_state=0).fit(X, y, treatment=T)
    y_res, t_res = est.residuals_
    Phi = np.column_stack([np.ones(len(y)), X[:, 1]])
    Z = (t_res[:, :, None] * Phi[:, None, :]).reshape(len(y), -1)
    ref = sm.OLS(y_res[:, 0], Z).fit(cov_type=cov_type)
    summ = est.summary()
    d_t = t_res.shape[1]
    # summary rows: X0|T.. for every treatment, then cate_intercept|T..
    order = [t * 2 + 1 for t in range(d_t)] + [t * 2 for t in range(d_t)]
    np.testing.assert_allclose(summ["point_estimate"], ref.params[order], rtol=0, atol=1e-10)
    np.testing.assert_allclose(summ["stderr"], ref.bse[order], rtol=0, atol=1e-10)
    # effect standard errors are the delta method on the same covariance
    x = np.array([[0.0, 0.7, 0.0]])
    k = t_res.shape[1]
    g = np.kron(np.eye(k)[0], [1.0, 0.7])
    se = np.sqrt(g @ ref.cov_params() @ g)
    inf = est.const_marginal_effect_inference(x)
    np.testing.assert_allclose(np.ravel(inf.stderr)[0], se, rtol=0, atol=1e-10)


def test_cluster_robust_equals_statsmodels():
    rng = np.random.default_rng(1)
    clusters = np.repeat(np.arange(40), 10)
    X, y, T, _, _ = _dgp("continuous", 400, rng, clusters)
    est = _linear_dml("continuous").fit(X, y, treatment=T, groups=clusters)
    y_res, t_res = est.residuals_
    Z = t_res * np.column_stack([np.ones(len(y)), X[:, 1]])
    ref = sm.OLS(y_res[:, 0], Z).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    np.testing.assert_allclose(est.summary()["stderr"], ref.bse[[1, 0]], rtol=0, atol=1e-10)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1"])
def test_linear_dr_learner_equals_statsmodels(cov_type):
    rng = np.random.default_rng(2)
    X, y, T, _, _ = _dgp("k3", 600, rng)
    est = LinearDRLearner(outcome_model=LinearRegression(), effect_features=[1],
                          cov_type=cov_type, cv=2).fit(X, y, treatment=T)
    Phi = np.column_stack([np.ones(len(y)), X[:, 1]])
    frame = est.summary()
    for a in range(2):
        ref = sm.OLS(est.pseudo_outcomes_[:, a], Phi).fit(cov_type=cov_type)
        rows = [f"cate_intercept|T0_{a + 1}", f"X0|T0_{a + 1}"]
        np.testing.assert_allclose(frame.loc[rows, "point_estimate"], ref.params, atol=1e-10)
        np.testing.assert_allclose(frame.loc[rows, "stderr"], ref.bse, atol=1e-10)


def test_frequency_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    Z = np.column_stack([np.ones(50), rng.normal(size=50)])
    Y = Z @ [[1.0], [2.0]] + rng.normal(size=(50, 1))
    w = rng.integers(1, 4, 50)
    rep = np.repeat(np.arange(50), w)
    for cov_type in ("HC0", "HC1"):
        a = ols_sandwich(Z, Y, w.astype(float), cov_type=cov_type)
        b = ols_sandwich(Z[rep], Y[rep], cov_type=cov_type)
        np.testing.assert_allclose(a[0], b[0], atol=1e-12)
        np.testing.assert_allclose(a[1], b[1], atol=1e-12)


def test_effect_inference_frame_and_population_summary():
    value = np.arange(6.0).reshape(3, 2)
    res = EffectInference(value, np.ones((3, 2)), output_names=["Y0", "Y1"])
    frame = res.summary_frame()
    assert frame.index.names == ["X", "Y"] and len(frame) == 6
    np.testing.assert_allclose(res.pvalue()[0, 0], 1.0)
    summ = res.population_summary()
    np.testing.assert_allclose(summ.value, [2.0, 3.0])
    np.testing.assert_allclose(summ.stderr, [1.0, 1.0])
    assert res[:2].value.shape == (2, 2)



def test_summary_tables_print_whole():
    """summary() and population_summary() show every column, whatever pandas' options."""
    import pandas as pd

    from causaldist.inference import SummaryTable

    rng = np.random.default_rng(4)
    X, y, T, _, _ = _dgp("binary", 400, rng)
    est = LinearDML(discrete_treatment=True, cv=2, random_state=0).fit(X, y, treatment=T)
    table = est.summary()
    assert isinstance(table, SummaryTable) and isinstance(table, pd.DataFrame)
    # the DataFrame access users had keeps working, and a slice still prints whole
    assert table["pvalue"].shape == (4,) and table.loc["X1", "stderr"] > 0
    assert isinstance(table.round(2), SummaryTable) and type(table.frame) is pd.DataFrame
    assert [t.attrs["title"] for t in table.tables] == [
        "Coefficient Results", "CATE Intercept Results"]
    summ = est.effect_inference(X[T == 1]).population_summary()
    with pd.option_context("display.max_columns", 3, "display.width", 40):
        for text in (str(table), repr(table), table.as_text(), table._repr_html_(),
                     str(summ), summ._repr_html_()):
            assert "..." not in text
        for col in ("zstat", "pvalue", "ci_upper"):
            assert col in str(table) and col in table._repr_html_()
        for col in ("pvalue", "ci_mean_upper", "pct_point_upper", "ci_point_upper"):
            assert col in str(summ)
    assert len(summ.tables) == 3 and summ.frame.shape == (1, 12)
    assert "Uncertainty of Mean Point Estimate" in summ._repr_html_()
    assert repr(summ).startswith("PopulationSummary(")  # the compact Estimate repr stays


# -- coverage against known truth (>= 300 replications each) -------------------
def _coverage(kind, reps, n=1000, seed=1, clustered=False, **kw):
    """Shares of 95% intervals that cover: (coefficients and intercepts, tau at 3 points)."""
    rng = np.random.default_rng(seed)
    points = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.5, 0.0]])
    hits = []
    for _ in range(reps):
        clusters = np.repeat(np.arange(n // 10), 10) if clustered else None
        X, y, T, A, B = _dgp(kind, n, rng, clusters)
        est = _linear_dml(kind, **kw).fit(X, y, treatment=T, groups=clusters)
        lo, hi = est.coef__interval()
        lo, hi = np.ravel(lo), np.ravel(hi)  # (d_t, 1 feature) -> (d_t,)
        cover = [(lo <= B) & (B <= hi)]
        lo, hi = est.intercept__interval()
        cover.append(np.ravel((np.ravel(lo) <= A) & (A <= np.ravel(hi))))
        lo, hi = est.const_marginal_effect_interval(points)
        truth = A + points[:, [1]] * B
        cover.append(np.ravel((np.reshape(lo, truth.shape) <= truth)
                              & (truth <= np.reshape(hi, truth.shape))))
        hits.append(np.concatenate(cover))
    rates = np.mean(hits, axis=0)
    n_coef = 2 * len(np.atleast_1d(A))
    return rates[:n_coef], rates[n_coef:]


def _check_coverage(coef, tau):
    # Pooled over the entries of each kind, 400 replications give a Monte
    # Carlo standard error of about 0.006-0.011; each single entry must not
    # fail grossly (a wrong variance shows far below 0.90).
    assert 0.93 <= coef.mean() <= 0.97, coef
    assert 0.93 <= tau.mean() <= 0.97, tau
    assert np.all(np.r_[coef, tau] >= 0.90), (coef, tau)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Poor overlap")
@pytest.mark.parametrize("kind", ["binary", "k3", "continuous", "two"])
def test_coverage_of_coefficients_and_tau(kind):
    _check_coverage(*_coverage(kind, reps=400))


@pytest.mark.slow
def test_coverage_cluster_robust():
    _check_coverage(*_coverage("continuous", reps=400, clustered=True))
