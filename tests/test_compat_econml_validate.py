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


# -- DRTester ------------------------------------------------------------------------
def _tester_data(seed, n_arms, n_train=1500, n_val=1000):
    rng = np.random.default_rng(seed)

    def draw(n, half):
        X = rng.uniform(-half, half, size=(n, 3))
        logits = np.column_stack([np.zeros(n)] + [0.5 * a * X[:, 0] for a in range(1, n_arms)])
        P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        D = (rng.uniform(size=(n, 1)) > np.cumsum(P, axis=1)).sum(axis=1)
        Y = X[:, 0] + D * (1 + X[:, 1]) + rng.normal(size=n)
        return X, D, Y

    # validation covariates inside the training ones, and a CATE model of X1 alone:
    # every validation prediction lies within the training predictions (econml's
    # calibration groups drop the units outside, ours keep them)
    return draw(n_train, 1.0), draw(n_val, 0.95)


def _cate_pair(train, n_arms):
    X, D, Y = train
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=3, random_state=0)
    return EDR.LinearDRLearner(**args).fit(Y, D, X=X[:, [1]], W=X[:, [0, 2]])


@pytest.mark.parametrize("n_arms", [2, 3])
def test_drtester_parity(n_arms):
    from econml.validate import DRTester

    train, val = _tester_data(30 + n_arms, n_arms)
    cate = _cate_pair(train, n_arms)
    from sklearn.ensemble import GradientBoostingRegressor

    args = dict(model_regression=GradientBoostingRegressor(n_estimators=20, random_state=0),
                model_propensity=LogisticRegression(), cate=cate, cv=3)
    e = DRTester(**args).fit_nuisance(*val, *train)
    c = C.DRTester(**args).fit_nuisance(*val, *train)
    close(c.dr_train_, e.dr_train_)
    close(c.dr_val_, e.dr_val_)
    close(c.ate_val, e.ate_val)
    c.get_cate_preds(val[0][:, [1]], train[0][:, [1]])
    e.get_cate_preds(val[0][:, [1]], train[0][:, [1]])
    assert np.all((c.cate_preds_val_ > c.cate_preds_train_.min(axis=0))
                  & (c.cate_preds_val_ < c.cate_preds_train_.max(axis=0)))
    eb, cb = e.evaluate_blp(), c.evaluate_blp()
    close(cb.params, eb.params)
    close(cb.errs, eb.errs)
    close(cb.pvals, eb.pvals, atol=1e-12)
    ec, cc = e.evaluate_cal(n_groups=4), c.evaluate_cal(n_groups=4)
    close(cc.cal_r_squared, ec.cal_r_squared)
    for tmt in c.treatments[1:]:
        close(cc.plot_data_dict[tmt].to_numpy(), ec.plot_data_dict[tmt].to_numpy())
    for metric in ("qini", "toc"):
        np.random.seed(5)
        eu = e.evaluate_uplift(metric=metric, n_bootstrap=200)
        np.random.seed(5)
        cu = c.evaluate_uplift(metric=metric, n_bootstrap=200)
        close(cu.params, eu.params)
        close(cu.errs, eu.errs)
        close(cu.pvals, eu.pvals, atol=1e-12)
        assert np.all(np.isfinite(cu.params))
        for tmt in c.treatments[1:]:
            # the bootstrap's critical values equal under the same global seed
            close(cu.curves[tmt].to_numpy(), eu.curves[tmt].to_numpy())
            assert list(cu.curves[tmt].columns) == list(eu.curves[tmt].columns)
    np.random.seed(6)
    ea = e.evaluate_all(n_bootstrap=100).summary()
    np.random.seed(6)
    ca = c.evaluate_all(n_bootstrap=100).summary()
    assert list(ca.columns) == list(ea.columns)
    close(ca.to_numpy(dtype=float), ea.to_numpy(dtype=float))
    assert np.all(np.isfinite(ca.to_numpy(dtype=float)))


def test_drtester_cross_fitted_validation_only():
    from econml.validate import DRTester

    train, val = _tester_data(40, 2)
    cate = _cate_pair(train, 2)
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cate=cate, cv=4)
    e = DRTester(**args).fit_nuisance(*val)
    c = C.DRTester(**args).fit_nuisance(*val)
    close(c.dr_val_, e.dr_val_)
    close(c.evaluate_blp(val[0][:, [1]]).params, e.evaluate_blp(val[0][:, [1]]).params)
    with pytest.raises(ValueError, match="training sample"):
        c.evaluate_cal(val[0][:, [1]])



def test_drtester_cv_splitter_and_splits():
    """econml's get_cv_splitter / get_cv_splits: the same folds, for the default seed,
    another seed set through get_cv_splitter (then used by fit_nuisance_cv) and an
    explicit list of folds."""
    from econml.validate import DRTester

    train, val = _tester_data(41, 3)
    cate = _cate_pair(train, 3)
    X, D, Y = val
    for cv, seed in ((4, None), (3, 7), (list(KFold(3).split(X)), None)):
        args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                    cate=cate, cv=cv)
        e, c = DRTester(**args), C.DRTester(**args)
        if seed is not None:
            assert e.get_cv_splitter(random_state=seed) is None
            assert c.get_cv_splitter(random_state=seed) is None
        ef, cf = e.get_cv_splits([X, None], D), c.get_cv_splits([X, None], D)
        assert len(ef) == len(cf)
        for (etr, ete), (ctr, cte) in zip(ef, cf):
            np.testing.assert_array_equal(etr, ctr)
            np.testing.assert_array_equal(ete, cte)
        close(c.fit_nuisance(X, D, Y).dr_val_, e.fit_nuisance(X, D, Y).dr_val_)

def test_drtester_plots_and_labels():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    train, val = _tester_data(41, 2)
    # string arms work here (econml needs 0..K-1)
    lab = lambda d: np.where(d == 1, "treated", "control")  # noqa: E731
    cate = C.LinearDRLearner(model_regression=LinearRegression(),
                             model_propensity=LogisticRegression(), random_state=0).fit(
        train[2], lab(train[1]), X=train[0])
    c = C.DRTester(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                   cate=cate, cv=3)
    c.fit_nuisance(val[0], lab(val[1]), val[2], train[0], lab(train[1]), train[2])
    res = c.evaluate_all(val[0], train[0], n_bootstrap=50)
    assert list(res.summary()["treatment"]) == ["treated"]
    assert res.blp.pvals[0] < 0.01
    res.plot_cal("treated")
    res.plot_qini("treated", "ucb2")
    res.plot_toc("treated", "ucb1")
    with pytest.raises(ValueError, match="Invalid treatment"):
        res.plot_cal("control")
    assert rng is not None


# -- omitted-variable sensitivity ---------------------------------------------------
def _rv_close(interval, rv_c, rv_e, null=0.0):
    """Our RV against econml's.

    econml's bisection stops once the bound at its last point is within 1e-6 of
    the null and returns the next midpoint; ours bisects to 1e-10. Running
    econml's loop on our interval must give econml's RV (the intervals are
    equal), and both RVs lie in the loop's last bracket, which contains the
    root.
    """
    r, r_up, r_down = 0.0, 1.0, 0.0
    lb, ub = interval(0.0)
    ind, mult = (0, 1) if lb > null else (1, -1)
    d = (lb if ind == 0 else ub) - null
    while abs(d) > 1e-6 and r_up - r_down > 1e-10:
        d = mult * (interval(r)[ind] - null)
        if d > 0:
            r_down = r
        else:
            r_up = r
        r = (r_down + r_up) / 2
    close(r, rv_e)
    assert r_down - 1e-10 <= rv_c <= r_up + 1e-10
    assert abs(rv_c - rv_e) <= r_up - r_down


@pytest.mark.parametrize("cls, kind", [("LinearDML", "continuous"), ("LinearDML", "binary"),
                                       ("SparseLinearDML", "continuous"), ("DML", "continuous")])
def test_dml_sensitivity_parity(cls, kind):
    X, W, T, Y = _data(5, kind)
    disc = kind == "binary"
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if disc else LinearRegression(),
                discrete_treatment=disc, cv=_folds(T))
    if cls == "DML":
        args["model_final"] = LinearRegression(fit_intercept=False)
    e = getattr(ED, cls)(**args).fit(Y, T, X=X, W=W)
    c = getattr(C, cls)(**args).fit(Y, T, X=X, W=W)
    for kw in (dict(), dict(alpha=0.1, c_y=0.2, c_t=0.1, rho=0.5),
               dict(interval_type="theta", c_y=0.3)):
        close(c.sensitivity_interval(**kw), e.sensitivity_interval(**kw))
    for it in ("ci", "theta"):
        rv_e = e.robustness_value(interval_type=it)
        rv_c = c.robustness_value(interval_type=it)
        assert rv_c > 0
        _rv_close(lambda r: c.sensitivity_interval(c_y=r, c_t=r, interval_type=it),
                  rv_c, rv_e)
    table = c.sensitivity_summary(c_y=0.1)
    lo, hi = e.sensitivity_interval(c_y=0.1, interval_type="theta")
    close(table[["theta_lower", "theta_upper"]].to_numpy()[0], np.round([lo, hi], 3))
    assert table.shape == (1, 7)


def test_dml_sensitivity_rejects_two_treatments():
    X, W, T, Y = _data(6, "continuous")
    T2 = np.column_stack([T, X[:, 1] + np.random.default_rng(0).normal(size=N)])
    c = C.LinearDML(model_y=LinearRegression(), model_t=LinearRegression()).fit(Y, T2, X=X)
    with pytest.raises(ValueError, match="multi-dimensional"):
        c.sensitivity_interval()


@pytest.mark.parametrize("cls, kind", [("LinearDRLearner", "binary"),
                                       ("LinearDRLearner", "multi"), ("DRLearner", "binary")])
def test_dr_sensitivity_parity(cls, kind):
    X, W, T, Y = _data(7, kind)
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True))
    if cls == "DRLearner":
        args["model_final"] = LinearRegression()
    e = getattr(EDR, cls)(**args).fit(Y, T, X=X, W=W)
    c = getattr(C, cls)(**args).fit(Y, T, X=X, W=W)
    for arm in np.unique(T)[1:]:
        for kw in (dict(), dict(alpha=0.1, c_y=0.2, c_t=0.1, rho=0.5),
                   dict(interval_type="theta", c_y=0.3)):
            close(c.sensitivity_interval(arm, **kw), e.sensitivity_interval(arm, **kw))
        rv_e = e.robustness_value(arm, interval_type="theta")
        rv_c = c.robustness_value(arm, interval_type="theta")
        if rv_c > 0:
            _rv_close(lambda r: c.sensitivity_interval(arm, c_y=r, c_t=r,
                                                       interval_type="theta"),
                      rv_c, rv_e)
        else:
            assert rv_e == 0
        assert c.sensitivity_summary(arm).shape == (1, 7)


# -- refit_final ----------------------------------------------------------------------
def _refit_pair(e_cls, c_cls, args, Y, T, X, W, change, sw=None):
    e = e_cls(**args).fit(Y, T, X=X, W=W, sample_weight=sw, cache_values=True)
    c = c_cls(**args).fit(Y, T, X=X, W=W, sample_weight=sw, cache_values=True)
    before = c.const_marginal_effect(X)
    nuis = c.native_.nuisances_
    change(e)
    change(c)
    e.refit_final()
    c.refit_final()
    assert c.native_.nuisances_ is nuis  # the nuisances were not refitted
    assert not np.allclose(before, c.const_marginal_effect(X))
    close(c.const_marginal_effect(X), e.const_marginal_effect(X))
    return e, c


def test_refit_final_nonparam_dml_parity():
    X, W, T, Y = _data(8, "continuous")
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(),
                model_final=Lasso(alpha=0.5), cv=_folds(T))

    def change(m):
        m.model_final = Lasso(alpha=0.01)

    _refit_pair(ED.NonParamDML, C.NonParamDML, args, Y, T, X, W, change)


@pytest.mark.parametrize("weights", [False, True])
def test_refit_final_linear_dml_parity(weights):
    from sklearn.preprocessing import PolynomialFeatures

    X, W, T, Y = _data(9, "continuous")
    sw = np.random.default_rng(1).uniform(0.5, 2, N) if weights else None
    args = dict(model_y=LinearRegression(), model_t=LinearRegression(), cv=_folds(T))

    def change(m):
        m.featurizer = PolynomialFeatures(2, include_bias=False)

    e, c = _refit_pair(ED.LinearDML, C.LinearDML, args, Y, T, X, W, change, sw)
    close(c.coef_, e.coef_)
    e.refit_final(inference="auto")
    c.refit_final(inference="auto")
    close(c.coef__interval(), e.coef__interval())


def test_refit_final_dr_learner_parity():
    X, W, T, Y = _data(10, "multi")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                model_final=Lasso(alpha=0.5), cv=_folds(T, stratify=True))

    def change(m):
        m.model_final = Lasso(alpha=0.01)

    _refit_pair(EDR.DRLearner, C.DRLearner, args, Y, T, X, W, change)


def test_refit_final_linear_dr_learner_parity():
    X, W, T, Y = _data(11, "binary")
    args = dict(model_regression=LinearRegression(), model_propensity=LogisticRegression(),
                cv=_folds(T, stratify=True))

    def change(m):
        m.fit_cate_intercept = False

    e, c = _refit_pair(EDR.LinearDRLearner, C.LinearDRLearner, args, Y, T, X, W, change)
    close(c.coef_(1), e.coef_(1))
    close(c.coef__interval(1), e.coef__interval(1))


def test_refit_final_needs_cached_values():
    X, W, T, Y = _data(12, "continuous")
    c = C.LinearDML(model_y=LinearRegression(), model_t=LinearRegression()).fit(Y, T, X=X)
    with pytest.raises(ValueError, match="cache_values=True"):
        c.refit_final()
    c.fit(Y, T, X=X, cache_values=True)
    with pytest.raises(ValueError, match="final re-fitting"):
        c.refit_final(inference="bootstrap")


# -- shap_values ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["continuous", "multi"])
def test_shap_values_linear_dml(kind):
    from sklearn.preprocessing import PolynomialFeatures
    from sklearn.utils import resample

    X, W, T, Y = _data(13, kind)
    disc = kind == "multi"
    args = dict(model_y=LinearRegression(),
                model_t=LogisticRegression() if disc else LinearRegression(),
                discrete_treatment=disc, cv=_folds(T),
                featurizer=PolynomialFeatures(2, include_bias=False))
    e = ED.LinearDML(**args).fit(Y, T, X=X, W=W)
    c = C.LinearDML(**args).fit(Y, T, X=X, W=W)
    out = c.shap_values(X, background_samples=50)
    assert list(out) == e._input_names["output_names"]
    assert list(out["Y0"]) == e._input_names["treatment_names"]
    # known truth: the values of a linear CATE sum to the effect minus the effect at the
    # background mean of the features (efficiency), feature by feature coef * deviation
    phi = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    mean = resample(phi, n_samples=50, replace=False, random_state=0).mean(axis=0)
    cme = e.const_marginal_effect(X).reshape(N, -1)
    coef = np.asarray(e.coef_).reshape(cme.shape[1], -1)
    intercept = np.asarray(e.intercept_).reshape(-1)
    for k, tname in enumerate(out["Y0"]):
        ex = out["Y0"][tname]
        values = getattr(ex, "values", ex)
        close(values, coef[k] * (phi - mean))
        close(values.sum(axis=1) + intercept[k] + coef[k] @ mean, cme[:, k])
    shap = pytest.importorskip("shap")
    ref = e.shap_values(X, background_samples=50)
    for tname in ref["Y0"]:
        close(out["Y0"][tname].values, ref["Y0"][tname].values)
        close(out["Y0"][tname].base_values, ref["Y0"][tname].base_values)
    assert shap is not None
