"""causaldist.compat.econml against econml 0.17's own classes on the same data.

Same explicit folds (or an int cv with the same random_state) and the same
models: effects, coefficients and intervals agree to rtol 1e-6 where the
algorithm is the same.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from causaldist.compat import econml as C

econml = pytest.importorskip("econml")
import econml.dml as ED  # noqa: E402
import econml.dr as EDR  # noqa: E402
import econml.metalearners as EM  # noqa: E402
import econml.policy as EP  # noqa: E402

RTOL, ATOL = 1e-6, 1e-9
N = 400


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=RTOL, atol=ATOL)


def _data(seed=0, t_kind="continuous", d_y=1, n=N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    W = rng.normal(size=(n, 2))
    if t_kind == "continuous":
        T = X[:, 0] + W[:, 0] + rng.normal(size=n)
        eff = (1 + X[:, 1]) * T
    elif t_kind == "two":
        T = np.column_stack([X[:, 0] + rng.normal(size=n), W[:, 1] + rng.normal(size=n)])
        eff = (1 + X[:, 1]) * T[:, 0] - T[:, 1]
    elif t_kind == "binary":
        T = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0] - W[:, 0]))).astype(int)
        eff = (1 + X[:, 1]) * T
    else:  # multi-arm string labels
        T = rng.choice(["a", "b", "c"], size=n)
        eff = X[:, 1] * (T == "b") + (T == "c")
    Y = eff + X[:, 0] + W[:, 1] + rng.normal(size=n)
    if d_y == 2:
        Y = np.column_stack([Y, 0.5 * Y + rng.normal(size=n)])
    return X, W, T, Y


def _folds(T, k=3, stratify=False):
    Tl = np.asarray(T)
    if stratify:
        return list(StratifiedKFold(k, shuffle=True, random_state=0).split(Tl, Tl))
    return list(KFold(k, shuffle=True, random_state=0).split(Tl))


def _check_dml_pair(e, c, X, T1=1, linear=True, T0=0):
    if X is None and np.ndim(T1) == 2:
        T0, T1 = T0[:1], T1[:1]
    close(e.effect(X, T0=T0, T1=T1), c.effect(X, T0=T0, T1=T1))
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    close(e.ate(X, T0=T0, T1=T1), c.ate(X, T0=T0, T1=T1))
    if linear:
        close(e.effect_interval(X, T0=T0, T1=T1), c.effect_interval(X, T0=T0, T1=T1))
        close(e.ate_interval(X, T0=T0, T1=T1), c.ate_interval(X, T0=T0, T1=T1))
        close(e.ate_inference(X, T0=T0, T1=T1).stderr_mean,
              c.ate_inference(X, T0=T0, T1=T1).stderr)
        close(e.intercept_, c.intercept_)
        if X is not None:
            close(e.coef_, c.coef_)
            close(e.coef__interval(), c.coef__interval())


# -- DML family -----------------------------------------------------------------
@pytest.mark.parametrize(
    "t_kind, d_y, use_x, use_w, weights",
    [
        ("continuous", 1, True, True, False),
        ("continuous", 1, False, True, False),  # W only: a constant effect
        ("continuous", 1, True, False, True),  # sample weights, no W
        ("two", 1, True, True, False),
        ("continuous", 2, True, True, False),
    ],
)
def test_linear_dml_parity(t_kind, d_y, use_x, use_w, weights):
    X, W, T, Y = _data(1, t_kind, d_y)
    kw = dict(X=X if use_x else None, W=W if use_w else None)
    sw = np.random.default_rng(2).uniform(0.5, 2, N) if weights else None
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=_folds(T))
    e = ED.LinearDML(**args).fit(Y, T, **kw, sample_weight=sw)
    c = C.LinearDML(**args).fit(Y, T, **kw, sample_weight=sw)
    T1 = np.ones((N, 2)) if t_kind == "two" else 1
    T0 = np.zeros((N, 2)) if t_kind == "two" else 0
    _check_dml_pair(e, c, kw["X"], T1=T1, T0=T0)
    close(e.score(Y, T, **kw), c.score(Y, T, **kw))


def test_linear_dml_discrete_int_cv_parity():
    """An int cv: econml's shuffled StratifiedKFold seeded from random_state."""
    X, W, T, Y = _data(3, "multi")
    args = dict(model_y=LinearRegression(), model_t=LogisticRegression(),
                discrete_treatment=True, cv=3, random_state=7)
    e = ED.LinearDML(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDML(**args).fit(Y, T, X=X, W=W)
    _check_dml_pair(e, c, X, T0="a", T1="c")
    close(e.const_marginal_effect_interval(X), c.const_marginal_effect_interval(X))
    close(e.score(Y, T, X=X, W=W), c.score(Y, T, X=X, W=W))
    frame = c.summary()
    assert list(frame.index[:2]) == ["X0|T0_b", "X0|T0_c"]


def test_linear_dml_continuous_int_cv_parity():
    X, W, T, Y = _data(4, "continuous")
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=4, random_state=3)
    e = ED.LinearDML(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDML(**args).fit(Y, T, X=X, W=W)
    _check_dml_pair(e, c, X)


def test_dml_linear_final_parity():
    X, W, T, Y = _data(5, "continuous")
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(),
                model_final=LinearRegression(fit_intercept=False), cv=_folds(T))
    e = ED.DML(**args).fit(Y, T, X=X, W=W)
    c = C.DML(**args).fit(Y, T, X=X, W=W)
    close(e.effect(X), c.effect(X))
    close(e.coef_, c.coef_)
    with pytest.raises(NotImplementedError, match="model_final"):
        C.DML(model_y=LinearRegression(), model_t=LinearRegression(),
              model_final=GradientBoostingRegressor()).fit(Y, T, X=X)


@pytest.mark.parametrize("discrete", [False, True])
def test_nonparam_dml_parity(discrete):
    X, W, T, Y = _data(6, "binary" if discrete else "continuous")
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if discrete else LinearRegression(),
                model_final=GradientBoostingRegressor(n_estimators=30, max_depth=2,
                                                      random_state=0),
                discrete_treatment=discrete, cv=_folds(T, stratify=discrete))
    e = ED.NonParamDML(**args).fit(Y, T, X=X, W=W)
    c = C.NonParamDML(**args).fit(Y, T, X=X, W=W)
    _check_dml_pair(e, c, X, linear=False)


def test_sparse_linear_dml_runs():
    X, W, T, Y = _data(7, "continuous")
    c = C.SparseLinearDML(model_y=LinearRegression(), model_t=LinearRegression(),
                          random_state=0).fit(Y, T, X=X, W=W)
    assert c.coef_.shape == (2,)
    lo, hi = c.coef__interval()
    assert np.all(lo < c.coef_) and np.all(c.coef_ < hi)
    assert abs(c.coef_[1] - 1) < 0.3


def test_sparse_linear_dml_parity():
    """The adapter sets the native SparseLinearDML's econml-lasso switch."""
    X, W, _, _ = _sparse_data(26, "binary")
    rng = np.random.default_rng(26)
    T = X[:, 0] + W[:, 0] + rng.normal(size=N)
    Y = (1 + X[:, 1]) * T + X[:, 0] + W[:, 1] + rng.normal(size=N)
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=_folds(T))
    e = ED.SparseLinearDML(**args).fit(Y, T, X=X, W=W)
    c = C.SparseLinearDML(**args).fit(Y, T, X=X, W=W)
    _check_dml_pair(e, c, X)
    args.update(n_alphas=20, n_alphas_cov=5, tol=1e-6)
    e = ED.SparseLinearDML(**args).fit(Y, T, X=X, W=W)
    c = C.SparseLinearDML(**args).fit(Y, T, X=X, W=W)
    _check_dml_pair(e, c, X)


def test_dml_pandas_names():
    X, W, T, Y = _data(8, "continuous")
    Xd = pd.DataFrame(X, columns=["age", "income"])
    Wd = pd.DataFrame(W, columns=["w1", "w2"])
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=_folds(T))
    e = ED.LinearDML(**args).fit(Y, T, X=Xd, W=Wd)
    c = C.LinearDML(**args).fit(Y, T, X=Xd, W=Wd)
    assert list(c.cate_feature_names()) == list(e.cate_feature_names()) == ["age", "income"]
    assert list(c.summary().index) == ["age", "income", "cate_intercept"]
    close(e.effect(Xd), c.effect(Xd))


# -- DR learners -------------------------------------------------------------------
@pytest.mark.parametrize(
    "t_kind, use_x, use_w, weights",
    [
        ("binary", True, True, False),
        ("binary", False, True, False),
        ("multi", True, True, True),
        ("multi", True, False, False),
    ],
)
def test_linear_dr_learner_parity(t_kind, use_x, use_w, weights):
    X, W, T, Y = _data(9, t_kind)
    kw = dict(X=X if use_x else None, W=W if use_w else None)
    sw = np.random.default_rng(2).uniform(0.5, 2, N) if weights else None
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True))
    e = EDR.LinearDRLearner(**args).fit(Y, T, **kw, sample_weight=sw)
    c = C.LinearDRLearner(**args).fit(Y, T, **kw, sample_weight=sw)
    arms = np.unique(T)
    Xt = kw["X"]
    for t1 in arms[1:]:
        close(e.effect(Xt, T0=arms[0], T1=t1), c.effect(Xt, T0=arms[0], T1=t1))
        close(e.effect_interval(Xt, T0=arms[0], T1=t1), c.effect_interval(Xt, T0=arms[0], T1=t1))
        close(e.ate(Xt, T0=arms[0], T1=t1), c.ate(Xt, T0=arms[0], T1=t1))
        close(e.ate_interval(Xt, T0=arms[0], T1=t1), c.ate_interval(Xt, T0=arms[0], T1=t1))
        close(e.intercept_(t1), c.intercept_(t1))
        close(e.intercept__interval(t1), c.intercept__interval(t1))
        if use_x:
            close(e.coef_(t1), c.coef_(t1))
            close(e.coef__interval(t1), c.coef__interval(t1))
    close(e.const_marginal_effect(Xt), c.const_marginal_effect(Xt))
    # the score averages nuisances, econml averages pseudo-outcomes: close, not equal
    np.testing.assert_allclose(e.score(Y, T, **kw), c.score(Y, T, **kw), rtol=0.05)


def test_linear_dr_learner_int_cv_and_summary():
    X, W, T, Y = _data(10, "binary")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=3, random_state=11)
    e = EDR.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    close(e.coef_(1), c.coef_(1))
    table = c.summary(1)
    assert list(table.index) == ["X0", "X1", "cate_intercept"]
    close(table["point_estimate"].to_numpy()[:2], e.coef_(1))


def test_dr_learner_parity():
    X, W, T, Y = _data(11, "multi")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                model_final=GradientBoostingRegressor(n_estimators=30, max_depth=2,
                                                      random_state=0),
                cv=3, random_state=2)
    e = EDR.DRLearner(**args).fit(Y, T, X=X, W=W)
    c = C.DRLearner(**args).fit(Y, T, X=X, W=W)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    close(e.effect(X, T0="a", T1="b"), c.effect(X, T0="a", T1="b"))
    close(e.ate(X, T0="a", T1="c"), c.ate(X, T0="a", T1="c"))
    assert len(c.models_cate) == 2 and len(c.models_propensity[0]) == 3


@pytest.mark.filterwarnings("ignore:Poor overlap")
def test_propensity_clipping_is_econml_rule():
    """Multi-arm clipping: each entry to [c, 1 - c], rows not renormalised."""
    X, W, T, Y = _data(12, "multi")
    args = dict(model_regression=LinearRegression(),
                model_propensity=LogisticRegression(C=1e4), min_propensity=0.3,
                cv=_folds(T, stratify=True))
    e = EDR.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    assert c.native_.nuisances_.n_clipped > 0
    close(e.coef_("b"), c.coef_("b"))


def _sparse_data(seed, t_kind, n=N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    W = rng.normal(size=(n, 2))
    if t_kind == "binary":
        T = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0] - W[:, 0]))).astype(int)
        eff = (1 + X[:, 1]) * T
    else:
        T = rng.choice(["a", "b", "c"], size=n)
        eff = X[:, 1] * (T == "b") + (T == "c")
    Y = eff + X[:, 0] + W[:, 1] + rng.normal(size=n)
    return X, W, T, Y


@pytest.mark.filterwarnings("ignore:Setting a suboptimal alpha")
@pytest.mark.parametrize(
    "t_kind, alpha, weights, intercept",
    [
        ("binary", "auto", False, True),
        ("multi", "auto", False, True),
        ("binary", 0.01, True, True),  # fixed penalties: weighted parity too
        ("binary", 0.02, False, False),
    ],
)
def test_sparse_linear_dr_learner_parity(t_kind, alpha, weights, intercept):
    X, W, T, Y = _sparse_data(21, t_kind)
    sw = np.random.default_rng(3).uniform(0.5, 2, N) if weights else None
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True), alpha=alpha, fit_cate_intercept=intercept)
    if alpha != "auto":
        args["alpha_cov"] = alpha
    e = EDR.SparseLinearDRLearner(**args).fit(Y, T, X=X, W=W, sample_weight=sw)
    c = C.SparseLinearDRLearner(**args).fit(Y, T, X=X, W=W, sample_weight=sw)
    arms = np.unique(T)
    for t1 in arms[1:]:
        close(e.coef_(t1), c.coef_(t1))
        close(e.coef__interval(t1), c.coef__interval(t1))
        if intercept:
            close(e.intercept_(t1), c.intercept_(t1))
            close(e.intercept__interval(t1), c.intercept__interval(t1))
        close(e.effect(X, T0=arms[0], T1=t1), c.effect(X, T0=arms[0], T1=t1))
        close(e.effect_interval(X, T0=arms[0], T1=t1), c.effect_interval(X, T0=arms[0], T1=t1))
        close(e.ate_interval(X, T0=arms[0], T1=t1), c.ate_interval(X, T0=arms[0], T1=t1))
    close(e.const_marginal_effect_interval(X), c.const_marginal_effect_interval(X))
    close(e.const_marginal_ate_interval(X), c.const_marginal_ate_interval(X))


def test_sparse_linear_dr_learner_native_differs_documented():
    """The native debiased lasso (penalised intercept column, sandwich errors) is another
    estimator of the same coefficients: close to econml's, not equal."""
    from causaldist.metalearners import SparseLinearDRLearner

    X, W, T, Y = _sparse_data(22, "binary", n=2000)
    e = EDR.SparseLinearDRLearner(model_regression=LinearRegression(),
                                  model_propensity=LogisticRegression(), cv=3,
                                  random_state=0).fit(Y, T, X=X, W=W)
    nat = SparseLinearDRLearner(outcome_model=LinearRegression(),
                                propensity_model=LogisticRegression(), cv=3, random_state=0,
                                effect_features=np.arange(6)).fit(np.hstack([X, W]), Y,
                                                                   treatment=T)
    lo, hi = e.coef__interval(1)
    se = (hi - lo) / (2 * 1.959964)
    # two consistent estimators of the same coefficients: within two standard errors
    assert np.all(np.abs(nat.coef_ - e.coef_(1)) < 2 * se)
    assert np.max(np.abs(nat.coef_ - e.coef_(1))) > 1e-6


@pytest.mark.parametrize("t_kind", ["binary", "multi"])
def test_dr_ate_verbs_parity(t_kind):
    """const_marginal_ate*, marginal_ate, ate_inference(...).summary() as econml's."""
    X, W, T, Y = _data(23, t_kind)
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True))
    e = EDR.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    close(e.const_marginal_ate(X), c.const_marginal_ate(X))
    close(e.marginal_ate(T, X), c.marginal_ate(T, X))
    close(e.const_marginal_ate_interval(X, alpha=0.1), c.const_marginal_ate_interval(X, alpha=0.1))
    close(e.const_marginal_effect_interval(X), c.const_marginal_effect_interval(X))
    er, cr = e.const_marginal_ate_inference(X), c.const_marginal_ate_inference(X)
    close(er.mean_point, cr.mean_point)
    close(er.stderr_mean, cr.stderr_mean)
    close(er.zstat(), cr.zstat())
    close(er.pvalue(), cr.pvalue())
    close(er.conf_int_mean(), cr.conf_int_mean())
    close(er.std_point, cr.std_point)
    close(er.percentile_point(), cr.percentile_point())
    close(er.stderr_point, cr.stderr_point)
    close(er.conf_int_point(), cr.conf_int_point())
    arms = np.unique(T)
    ep = e.effect_inference(X, T0=arms[0], T1=arms[-1]).population_summary()
    cp = c.effect_inference(X, T0=arms[0], T1=arms[-1]).population_summary()
    table = cp.summary()
    close(table.loc[:, ["mean_point", "stderr_mean", "ci_mean_lower", "ci_mean_upper",
                        "std_point", "stderr_point", "ci_point_lower"]].to_numpy().ravel(),
          np.round(np.r_[ep.mean_point, ep.stderr_mean, *ep.conf_int_mean(), ep.std_point,
                         ep.stderr_point, ep.conf_int_point()[0].ravel()], 3))
    # the DR learner with a non-linear final stage has the point verbs
    g = GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0)
    e = EDR.DRLearner(**args, model_final=g).fit(Y, T, X=X, W=W)
    c = C.DRLearner(**args, model_final=g).fit(Y, T, X=X, W=W)
    close(e.const_marginal_ate(X), c.const_marginal_ate(X))
    close(e.marginal_ate(T, X), c.marginal_ate(T, X))


@pytest.mark.parametrize("agg", ["mean", "median"])
@pytest.mark.parametrize("cls", ["LinearDRLearner", "SparseLinearDRLearner", "DRLearner"])
def test_dr_mc_iters_parity(cls, agg):
    """econml's mc_iters: folds of every repetition from one RandomState, the AIPW
    scores aggregated before one final fit."""
    X, W, T, Y = _sparse_data(25, "multi")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=3, mc_iters=3, mc_agg=agg, random_state=5)
    if cls == "DRLearner":
        args["model_final"] = GradientBoostingRegressor(n_estimators=20, random_state=0)
    e = getattr(EDR, cls)(**args).fit(Y, T, X=X, W=W)
    c = getattr(C, cls)(**args).fit(Y, T, X=X, W=W)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    if cls != "DRLearner":
        close(e.const_marginal_effect_interval(X), c.const_marginal_effect_interval(X))
        close(e.coef__interval("c"), c.coef__interval("c"))
    # a single repetition is not the aggregate
    one = getattr(C, cls)(**{**args, "mc_iters": None}).fit(Y, T, X=X, W=W)
    assert np.max(np.abs(one.const_marginal_effect(X) - c.const_marginal_effect(X))) > 1e-6



@pytest.mark.parametrize("agg", ["mean", "median"])
@pytest.mark.parametrize("cls,t_kind", [
    ("LinearDML", "continuous"), ("LinearDML", "binary"), ("DML", "multi"),
    ("NonParamDML", "binary"), ("SparseLinearDML", "continuous"),
])
def test_dml_mc_iters_parity(cls, t_kind, agg):
    """econml's DML mc_iters: folds of every repetition from one RandomState, the
    residuals aggregated (mean or median) before one final fit."""
    X, W, T, Y = _data(31, t_kind)
    discrete = t_kind != "continuous"
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if discrete else LinearRegression(),
                discrete_treatment=discrete, cv=3, mc_iters=3, mc_agg=agg, random_state=5)
    if cls == "DML":
        from econml.sklearn_extensions.linear_model import StatsModelsLinearRegression
        args["model_final"] = StatsModelsLinearRegression(fit_intercept=False)
    elif cls == "NonParamDML":
        args["model_final"] = GradientBoostingRegressor(n_estimators=20, random_state=0)
    elif cls == "SparseLinearDML":
        args.update(alpha=0.01, alpha_cov=0.01)
    e = getattr(ED, cls)(**args).fit(Y, T, X=X, W=W)
    c = getattr(C, cls)(**args).fit(Y, T, X=X, W=W)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    if cls != "NonParamDML":
        close(e.const_marginal_effect_interval(X), c.const_marginal_effect_interval(X))
        close(e.coef_, c.coef_)
        close(e.coef__interval(), c.coef__interval())
        close(e.intercept__interval(), c.intercept__interval())
    # a single repetition is not the aggregate
    one = getattr(C, cls)(**{**args, "mc_iters": None}).fit(Y, T, X=X, W=W)
    assert np.max(np.abs(one.const_marginal_effect(X) - c.const_marginal_effect(X))) > 1e-6


# -- metalearners ------------------------------------------------------------------
def test_s_and_t_learner_parity():
    X, _, T, Y = _data(13, "multi")
    e = EM.SLearner(overall_model=LinearRegression()).fit(Y, T, X=X)
    c = C.SLearner(overall_model=LinearRegression()).fit(Y, T, X=X)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    model = GradientBoostingRegressor(n_estimators=20, random_state=0)
    e = EM.TLearner(models=model).fit(Y, T, X=X)
    c = C.TLearner(models=model).fit(Y, T, X=X)
    close(e.effect(X, T0="a", T1="c"), c.effect(X, T0="a", T1="c"))


@pytest.mark.parametrize("t_kind", ["binary", "multi"])
@pytest.mark.parametrize("model", [
    LinearRegression(), GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0),
], ids=["ols", "gbr"])
def test_domain_adaptation_learner_parity(t_kind, model):
    """The native learner's econml switch: econml's exact algorithm (no cross-fitting)."""
    X, _, T, Y = _data(24, t_kind)
    e = EM.DomainAdaptationLearner(models=model, final_models=model).fit(Y, T, X=X)
    c = C.DomainAdaptationLearner(models=model, final_models=model).fit(Y, T, X=X)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    arms = np.unique(T)
    close(e.effect(X, T0=arms[0], T1=arms[-1]), c.effect(X, T0=arms[0], T1=arms[-1]))
    close(e.ate(X, T0=arms[0], T1=arms[-1]), c.ate(X, T0=arms[0], T1=arms[-1]))
    close(e.const_marginal_ate(X), c.const_marginal_ate(X))
    close(e.marginal_ate(T, X), c.marginal_ate(T, X))


@pytest.mark.parametrize("t_kind", ["binary", "multi"])
@pytest.mark.parametrize("model", [
    LinearRegression(), GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0),
], ids=["ols", "gbr"])
def test_x_learner_parity(t_kind, model):
    """The native learner's econml switch: econml's exact X-learner."""
    X, _, T, Y = _data(14, t_kind)
    e = EM.XLearner(models=model).fit(Y, T, X=X)
    c = C.XLearner(models=model).fit(Y, T, X=X)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))
    arms = np.unique(T)
    close(e.effect(X, T0=arms[0], T1=arms[-1]), c.effect(X, T0=arms[0], T1=arms[-1]))
    close(e.ate(X, T0=arms[0], T1=arms[-1]), c.ate(X, T0=arms[0], T1=arms[-1]))
    e = EM.XLearner(models=model, cate_models=LinearRegression(),
                    propensity_model=LogisticRegression(C=0.1)).fit(Y, T, X=X)
    c = C.XLearner(models=model, cate_models=LinearRegression(),
                   propensity_model=LogisticRegression(C=0.1)).fit(Y, T, X=X)
    close(e.const_marginal_effect(X), c.const_marginal_effect(X))


def test_native_x_learner_cross_fits_unlike_econml():
    """The native default (cross-fitted nuisances) is close to econml's, not equal."""
    from causaldist.metalearners import XLearner

    X, _, T, Y = _data(14, "binary")
    e = EM.XLearner(models=LinearRegression()).fit(Y, T, X=X)
    native = XLearner(outcome_model=LinearRegression(), final_model=LinearRegression(),
                      propensity_model=LogisticRegression(), cv=5).fit(X, Y, treatment=T)
    a, b = e.effect(X), native.predict(X)
    assert np.corrcoef(a, b)[0, 1] > 0.99 and not np.allclose(a, b, rtol=1e-6)


# -- policy ----------------------------------------------------------------------
def test_policy_tree_welfare_at_least_econml():
    rng = np.random.default_rng(15)
    X = rng.normal(size=(N, 3))
    R = np.column_stack([np.zeros(N), X[:, 1] + rng.normal(size=N), X[:, 2] - 0.2])
    e = EP.PolicyTree(max_depth=2).fit(X, R)
    c = C.PolicyTree(max_depth=2).fit(X, R)
    rows = np.arange(N)
    assert R[rows, c.predict(X)].mean() >= R[rows, e.predict(X)].mean() - 1e-12
    assert c.predict_value(X).shape == (N, 3)


def test_dr_policy_tree_welfare_at_least_econml():
    X, W, T, Y = _data(16, "multi")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                max_depth=2, cv=_folds(T, k=2, stratify=True))
    e = EP.DRPolicyTree(**args).fit(Y, T, X=X, W=W)
    c = C.DRPolicyTree(**args).fit(Y, T, X=X, W=W)
    scores = c.native_.evaluator_.scores_  # the same AIPW scores as econml's
    rows = np.arange(N)
    assert scores[rows, c.predict(X)].mean() >= scores[rows, e.predict(X)].mean() - 1e-12
    assert c.predict(X).dtype.kind in "iu"
    assert c.predict_value(X).shape == e.predict_value(X).shape == (N, 2)


# -- the sklearn contract, where econml's classes fail -------------------------------
ADAPTERS = [
    C.LinearDML(model_y=LinearRegression(), model_t=LinearRegression()),
    C.DML(model_y=LinearRegression(), model_t=LinearRegression(),
          model_final=LinearRegression(fit_intercept=False)),
    C.NonParamDML(model_y=LinearRegression(), model_t=LinearRegression(),
                  model_final=LinearRegression()),
    C.SparseLinearDML(model_y=LinearRegression(), model_t=LinearRegression()),
    C.LinearDRLearner(model_regression=LinearRegression(),
                      model_propensity=LogisticRegression()),
    C.DRLearner(model_regression=LinearRegression(), model_propensity=LogisticRegression()),
    C.SparseLinearDRLearner(model_regression=LinearRegression(),
                            model_propensity=LogisticRegression()),
    C.SLearner(overall_model=LinearRegression()),
    C.TLearner(models=LinearRegression()),
    C.XLearner(models=LinearRegression()),
    C.DomainAdaptationLearner(models=LinearRegression(), final_models=LinearRegression()),
    C.DRPolicyTree(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                   max_depth=1),
]


@pytest.mark.parametrize("est", ADAPTERS, ids=lambda e: type(e).__name__)
def test_clone_get_params_pickle(est):
    twin = clone(est)
    assert twin.get_params().keys() == est.get_params().keys()
    X, W, T, Y = _data(17, "binary", n=200)
    if isinstance(est, (C.SLearner, C.TLearner, C.XLearner, C.DomainAdaptationLearner)):
        fitted = twin.fit(Y, T, X=X)
    else:
        if type(est).__name__ in ("LinearDML", "DML", "NonParamDML", "SparseLinearDML"):
            twin.set_params(discrete_treatment=True, model_t=LogisticRegression())
        fitted = twin.fit(Y, T, X=X, W=W)
    again = pickle.loads(pickle.dumps(fitted))
    if hasattr(fitted, "effect"):
        close(fitted.effect(X), again.effect(X))
    else:
        close(fitted.predict(X), again.predict(X))


def test_econml_classes_do_not_clone():
    with pytest.raises(TypeError):
        clone(ED.LinearDML())
    assert clone(C.LinearDML()).get_params()["model_y"] == "auto"


def test_auto_models_warn():
    X, W, T, Y = _data(18, "continuous", n=150)
    with pytest.warns(UserWarning, match="numeric parity"):
        C.LinearDML().fit(Y, T, X=X, W=W)


def test_grid_search_through_the_native_estimator():
    """Tune model_final parameters on the native estimator with its causal score."""
    X, W, T, Y = _data(19, "binary")
    est = C.DRLearner(model_regression=LinearRegression(),
                      model_propensity=LogisticRegression(),
                      model_final=GradientBoostingRegressor(n_estimators=20, random_state=0),
                      random_state=0).fit(Y, T, X=X, W=W)
    native = clone(est.native_).set_params(cv=2)
    Xf = np.hstack([X, W])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(native, {"final_model__final__max_depth": [1, 3]}, cv=2)
        search.fit(Xf, Y, treatment=T)
    assert search.best_params_["final_model__final__max_depth"] in (1, 3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("kind", ["continuous", "multi"])
def test_rscorer_parity(kind):
    from econml.score import RScorer

    X, W, T, Y = _data(20, kind)
    disc = kind == "multi"
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if disc else LinearRegression(),
                discrete_treatment=disc, cv=3, random_state=0)
    e = RScorer(**args).fit(Y, T, X=X, W=W)
    c = C.RScorer(**args).fit(Y, T, X=X, W=W)
    close(e.base_score_, c.base_score_)
    model = ED.LinearDML(model_y=LinearRegression(), model_t=args["model_t"],
                         discrete_treatment=disc).fit(Y, T, X=X, W=W)
    close(e.score(model), c.score(model))
    ours = C.LinearDML(model_y=LinearRegression(), model_t=args["model_t"],
                       discrete_treatment=disc).fit(Y, T, X=X, W=W)
    best, score = c.best_model([model, ours])
    close(score, max(c.score(model), c.score(ours)))


# -- inference="bootstrap": econml's BootstrapInference -------------------------------
def _boot_case(case):
    """(econml class, adapter class, constructor args, fit data, verbs) of one case."""
    from econml.sklearn_extensions.linear_model import StatsModelsLinearRegression

    gbr = GradientBoostingRegressor(n_estimators=10, max_depth=2, random_state=0)
    if case in ("LinearDML", "DML", "NonParamDML"):
        X, W, T, Y = _data(41, "binary", n=200)
        args = dict(model_y=LinearRegression(), model_t=LogisticRegression(),
                    discrete_treatment=True, cv=3, random_state=1)
        if case == "DML":
            args["model_final"] = StatsModelsLinearRegression(fit_intercept=False)
        if case == "NonParamDML":
            args["model_final"] = gbr
        verbs = [("effect_interval", (X,), {}), ("const_marginal_effect_interval", (X,), {}),
                 ("marginal_effect_interval", (T, X), {}), ("ate_interval", (X,), {})]
        if case != "NonParamDML":
            verbs += [("coef__interval", (), {}), ("intercept__interval", (), {})]
        return getattr(ED, case), getattr(C, case), args, (Y, T, dict(X=X, W=W)), verbs
    X, W, T, Y = _data(42, "multi", n=200)
    arms = dict(T0="a", T1="c")
    verbs = [("effect_interval", (X,), arms), ("const_marginal_effect_interval", (X,), {}),
             ("ate_interval", (X,), arms), ("const_marginal_ate_interval", (X,), {})]
    if case in ("LinearDRLearner", "DRLearner"):
        args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                    cv=3, random_state=1)
        if case == "DRLearner":
            args["model_final"] = gbr
        else:
            verbs += [("coef__interval", ("b",), {}), ("intercept__interval", ("c",), {})]
        return getattr(EDR, case), getattr(C, case), args, (Y, T, dict(X=X, W=W)), verbs
    args = (dict(models=LinearRegression()) if case in ("TLearner", "XLearner") else
            dict(overall_model=LinearRegression()) if case == "SLearner" else
            dict(models=gbr, final_models=gbr))
    return getattr(EM, case), getattr(C, case), args, (Y, T, dict(X=X)), verbs


@pytest.mark.parametrize("case,kind", [
    ("LinearDML", "pivot"), ("DML", "percentile"), ("NonParamDML", "normal"),
    ("LinearDRLearner", "pivot"), ("DRLearner", "percentile"), ("TLearner", "normal"),
    ("SLearner", "pivot"), ("DomainAdaptationLearner", "percentile"), ("XLearner", "pivot"),
])
def test_bootstrap_inference_parity(case, kind):
    """econml's BootstrapInference: the same rows (numpy's global RandomState,
    stratified by a discrete treatment for the DML/DR classes), the whole fit
    repeated, percentile/pivot/normal intervals and econml's normal rule for
    the averages — equal to rtol 1e-6."""
    from econml.inference import BootstrapInference

    ecls, ccls, args, (Y, T, kw), verbs = _boot_case(case)
    inf = BootstrapInference(n_bootstrap_samples=6, n_jobs=1, bootstrap_type=kind)
    np.random.seed(11)
    e = ecls(**args).fit(Y, T, **kw, inference=inf)
    np.random.seed(11)
    c = ccls(**args).fit(Y, T, **kw, inference=inf)
    for verb, a, k in verbs:
        for alpha in (0.05, 0.2):
            close(getattr(e, verb)(*a, **k, alpha=alpha), getattr(c, verb)(*a, **k, alpha=alpha))
    # the replicates differ from the point fit: the intervals are not degenerate
    lo, hi = c.const_marginal_effect_interval(kw["X"])
    assert np.all(hi >= lo) and np.max(hi - lo) > 1e-3


def test_bootstrap_inference_jobs_string_and_refit():
    """n_jobs changes nothing (replicates keep their order); "bootstrap" is econml's
    BootstrapInference(); refit_final drops the replicates of the old final stage."""
    from econml.inference import BootstrapInference

    from causaldist.compat.econml._base import _bootstrap_spec

    assert _bootstrap_spec("bootstrap") == (100, -1, "pivot")
    assert _bootstrap_spec(BootstrapInference(7, n_jobs=2, bootstrap_type="normal")) == (
        7, 2, "normal")
    _, ccls, args, (Y, T, kw), _ = _boot_case("LinearDML")
    ivs = []
    for jobs in (1, 2):
        np.random.seed(3)
        c = ccls(**args).fit(Y, T, **kw, cache_values=True,
                             inference=BootstrapInference(4, n_jobs=jobs))
        ivs.append(c.effect_interval(kw["X"]))
    close(ivs[0], ivs[1])
    with pytest.raises(NotImplementedError, match="effect_inference"):
        c.effect_inference(kw["X"])
    analytic = ccls(**args).fit(Y, T, **kw).effect_interval(kw["X"])
    assert np.max(np.abs(np.asarray(ivs[0]) - np.asarray(analytic))) > 1e-6
    c.refit_final()
    close(c.effect_interval(kw["X"]), analytic)
    with pytest.raises(ValueError, match="bootstrap"):
        C.TLearner(models=LinearRegression()).fit(Y, T, X=kw["X"]).effect_interval(kw["X"])


@pytest.mark.parametrize("cls", ["LinearDRLearner", "SparseLinearDRLearner"])
@pytest.mark.parametrize("featurize", [False, True])
def test_dr_shap_values_parity(cls, featurize):
    """Exact SHAP of each arm's linear CATE equals econml's shap explanation
    (values, base values, data, names; 150 rows, so the 100-row background is
    subsampled)."""
    pytest.importorskip("shap")
    from sklearn.preprocessing import PolynomialFeatures

    X, W, T, Y = _data(43, "multi", n=300)
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=3, random_state=1,
                featurizer=PolynomialFeatures(2, include_bias=False) if featurize else None)
    e = getattr(EDR, cls)(**args).fit(Y, T, X=X, W=W).shap_values(X[:150])
    c = getattr(C, cls)(**args).fit(Y, T, X=X, W=W).shap_values(X[:150])
    assert list(e) == list(c) == ["Y0"] and list(e["Y0"]) == list(c["Y0"]) == ["T0_b", "T0_c"]
    for t in e["Y0"]:
        a, b = e["Y0"][t], c["Y0"][t]
        close(a.values, b.values)
        close(a.base_values, b.base_values)
        close(a.data, b.data)
        assert list(a.feature_names) == list(b.feature_names)
