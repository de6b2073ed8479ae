"""causaldist.compat.econml against econml 0.17: nuisance scores, RScorer.ensemble,
refit_final, omitted-variable sensitivity and DRTester, on the same data and folds."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from causaldist.compat import econml as C

econml = pytest.importorskip("econml")
import econml.dml as ED  # noqa: E402
import econml.dr as EDR  # noqa: E402

RTOL, ATOL = 1e-6, 1e-9
N = 400


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


def _data(seed=0, t_kind="continuous", n=N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    W = rng.normal(size=(n, 2))
    if t_kind == "continuous":
        T = X[:, 0] + W[:, 0] + rng.normal(size=n)
        eff = (1 + X[:, 1]) * T
    elif t_kind == "binary":
        T = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0] - W[:, 0]))).astype(int)
        eff = (1 + X[:, 1]) * T
    else:  # multi-arm string labels
        T = rng.choice(["a", "b", "c"], size=n)
        eff = X[:, 1] * (T == "b") + (T == "c")
    Y = eff + X[:, 0] + W[:, 1] + rng.normal(size=n)
    return X, W, T, Y


def _folds(T, k=3, stratify=False):
    Tl = np.asarray(T)
    if stratify:
        return list(StratifiedKFold(k, shuffle=True, random_state=0).split(Tl, Tl))
    return list(KFold(k, shuffle=True, random_state=0).split(Tl))


# -- nuisance scores ---------------------------------------------------------------
@pytest.mark.parametrize("kind, weights", [("continuous", False), ("binary", True),
                                           ("multi", False)])
def test_dml_nuisance_scores_parity(kind, weights):
    X, W, T, Y = _data(1, kind)
    disc = kind != "continuous"
    sw = np.random.default_rng(3).uniform(0.5, 2, N) if weights else None
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if disc else LinearRegression(),
                discrete_treatment=disc, cv=3, random_state=4)
    e = ED.LinearDML(**args).fit(Y, T, X=X, W=W, sample_weight=sw)
    c = C.LinearDML(**args).fit(Y, T, X=X, W=W, sample_weight=sw)
    close(c.nuisance_scores_y, e.nuisance_scores_y)
    close(c.nuisance_scores_t, e.nuisance_scores_t)
    assert np.shape(c.nuisance_scores_y) == (1, 3)


@pytest.mark.parametrize("kind", ["binary", "multi"])
def test_dr_nuisance_scores_parity(kind):
    X, W, T, Y = _data(2, kind)
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True))
    e = EDR.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDRLearner(**args).fit(Y, T, X=X, W=W)
    close(c.nuisance_scores_propensity, e.nuisance_scores_propensity)
    close(c.nuisance_scores_regression, e.nuisance_scores_regression)


# -- RScorer.ensemble --------------------------------------------------------------
def test_rscorer_ensemble_parity():
    from econml.score import RScorer

    X, W, T, Y = _data(20, "continuous")
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=3,
                random_state=0)
    e = RScorer(**args).fit(Y, T, X=X, W=W)
    c = C.RScorer(**args).fit(Y, T, X=X, W=W)
    from sklearn.preprocessing import PolynomialFeatures

    kw = dict(model_y=LinearRegression(), model_t=LinearRegression(), random_state=1)
    # econml's ensemble takes econml's classes only (BaseCateEstimator)
    models = [
        ED.LinearDML(**kw).fit(Y, T, X=X, W=W),
        ED.LinearDML(**kw, fit_cate_intercept=False).fit(Y, T, X=X, W=W),
        ED.LinearDML(**kw, featurizer=PolynomialFeatures(2, include_bias=False)).fit(
            Y, T, X=X, W=W),
    ]
    for eta in (10.0, 1000.0):
        ee, es, escores = e.ensemble(models, eta=eta, return_scores=True)
        ce, cs, cscores = c.ensemble(models, eta=eta, return_scores=True)
        close(cscores, escores)
        close(ce.weights, ee.weights)
        close(cs, es)
        close(ce.effect(X), ee.effect(X))
        close(ce.const_marginal_effect(X), ee.const_marginal_effect(X))
    assert not np.allclose(ce.weights, ce.weights[0])  # the scores differ


def test_rscorer_ensemble_of_adapters():
    X, W, T, Y = _data(21, "continuous")
    c = C.RScorer(model_y=LinearRegression(), model_t=LinearRegression(), cv=3,
                  random_state=0).fit(Y, T, X=X, W=W)
    kw = dict(model_y=LinearRegression(), model_t=LinearRegression(), random_state=1)
    ours = [C.LinearDML(**kw).fit(Y, T, X=X, W=W),
            C.LinearDML(**kw, fit_cate_intercept=False).fit(Y, T, X=X, W=W)]
    ens, score, scores = c.ensemble(ours, eta=50.0, return_scores=True)
    w = np.exp(50.0 * (scores - scores.max()))
    close(ens.weights, w / w.sum())
    close(ens.effect(X), np.average([m.effect(X) for m in ours], axis=0, weights=w))
    close(score, c.score(ens))
