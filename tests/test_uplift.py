"""Uplift models against known truth, scikit-uplift, the sklearn tools, bad input.

Truth tests are Wald tests: a model whose regression function is correctly
specified for its own target is checked by
``(beta_hat - beta)' V^{-1} (beta_hat - beta) < chi2_p.ppf(0.999)`` with ``V``
the (sandwich or Fisher) covariance of its coefficients, so the tolerance is
the estimator's own standard error and fails by chance once in 1000 seeds.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy.special import expit
from scipy.stats import chi2
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

from causaldist.datasets import make_heterogeneous
from causaldist.metalearners import TLearner
from causaldist.model_selection import DRMSEScorer
from causaldist.uplift import ClassTransformation, TransformedOutcome, TwoModelUplift

MODELS = [TwoModelUplift, ClassTransformation, TransformedOutcome]
METHODS = ["vanilla", "ddr_control", "ddr_treatment"]
CRIT = 0.999  # Wald tests fail by chance with probability 1 - CRIT


def _design(X):
    return np.column_stack([np.ones(X.shape[0]), X])


def _ols_coef_and_sandwich(X, z):
    """OLS coefficients of ``z`` on ``[1, X]`` and their HC0 sandwich covariance
    (valid for the best linear projection when the model is misspecified)."""
    D = _design(X)
    bread = np.linalg.inv(D.T @ D)
    beta = bread @ D.T @ z
    score = D * (z - D @ beta)[:, None]
    return beta, bread @ (score.T @ score) @ bread


def _coef(model):
    return np.r_[np.ravel(model.intercept_), np.ravel(model.coef_)]


def _wald(diff, cov):
    return float(diff @ np.linalg.solve(cov, diff))


def _logistic_fisher_cov(model, X):
    D = _design(X)
    p = expit(D @ _coef(model))
    return np.linalg.inv(D.T @ (D * (p * (1 - p))[:, None]))


def _logit(**kw):
    # Unpenalised maximum likelihood (C=inf), tight enough for the Wald tests.
    return LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000, **kw)


def make_binary_rct(n, gamma, *, random_state, logistic_arms=None):
    """A binary-outcome RCT (treated with probability 1/2) with a known uplift.

    By default the uplift is ``u(x) = 2 sigmoid([1, x] gamma) - 1`` and
    ``p_{1,0}(x) = m(x) +- u(x) / 2`` with a baseline ``m`` that moves with
    ``x_1``: then ``P(z = 1 | x) = sigmoid([1, x] gamma)`` exactly, a logistic
    model for ClassTransformation. With ``logistic_arms=(alpha, beta)``
    instead ``p_0 = sigmoid([1, x] alpha)``, ``p_1 = sigmoid([1, x] beta)``:
    logistic models for each arm.
    """
    rng = np.random.default_rng(random_state)
    X = rng.normal(size=(n, len(gamma) - 1))
    t = rng.integers(0, 2, size=n)
    if logistic_arms is None:
        u = 2 * expit(_design(X) @ gamma) - 1
        m = 0.5 + (0.5 - np.abs(u) / 2) * 0.8 * np.tanh(X[:, 1])
        p1, p0 = m + u / 2, m - u / 2
    else:
        p0, p1 = (expit(_design(X) @ np.asarray(c)) for c in logistic_arms)
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype(np.int64)
    return X, y, t, p1 - p0


GAMMA = np.array([0.3, 0.8, 0.0, -0.5])


def _linear_two_model(**kw):
    return TwoModelUplift(
        treatment_model=LinearRegression(), control_model=LinearRegression(), **kw
    )


# -- known truth --------------------------------------------------------------


def test_two_model_vanilla_equals_tlearner():
    X, y, t, _ = make_heterogeneous(
        900, 4, n_arms=3, treatment_labels=["none", "low", "high"], random_state=0
    )
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=900)
    for model in (LinearRegression(), None):
        a = TwoModelUplift(
            treatment_model=model, control_model=model, control="none"
        ).fit(X, y, treatment=t, sample_weight=w)
        b = TLearner(outcome_model=model, control="none").fit(
            X, y, treatment=t, sample_weight=w
        )
        np.testing.assert_array_equal(a.categories_, b.categories_)
        np.testing.assert_array_equal(a.predict(X), b.predict(X))
        np.testing.assert_array_equal(
            a.effect(X, "low", "high"), b.effect(X, "low", "high")
        )


@pytest.mark.parametrize("method", ["ddr_control", "ddr_treatment"])
def test_ddr_with_linear_models_equals_vanilla(method):
    # The extra DDR feature is linear in x, so it is in the span of a linear
    # model's features: the fitted values, hence the uplift, do not change.
    X, y, t, _ = make_heterogeneous(1000, 4, n_arms=3, random_state=1)
    a = _linear_two_model(method=method).fit(X, y, treatment=t)
    b = _linear_two_model().fit(X, y, treatment=t)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=0, atol=1e-8)
    n_ctrl = 2 if method == "ddr_treatment" else 1
    assert len(a.control_models_) == n_ctrl and len(a.treatment_models_) == 2
    assert a.treatment_models_[0].n_features_in_ == 4 + (method == "ddr_control")


def test_two_model_regressors_wald_rct():
    # In an RCT both arms share the distribution of X, so the difference of the
    # arms' linear projections is the projection of tau = 1 + x_2 itself: the
    # coefficient difference estimates (1, 0, 0, 1, 0) with covariance V_1 + V_0.
    X, y, t, tau = make_heterogeneous(20_000, 4, design="rct", random_state=2)
    est = _linear_two_model().fit(X, y, treatment=t)
    diff, cov = 0, 0
    for arm, sign in ((1, 1), (0, -1)):
        beta, v = _ols_coef_and_sandwich(X[t == arm], y[t == arm])
        model = est.treatment_models_[0] if arm else est.control_models_[0]
        np.testing.assert_allclose(_coef(model), beta, atol=1e-8)
        diff, cov = diff + sign * beta, cov + v
    stat = _wald(diff - np.array([1.0, 0, 0, 1, 0]), cov)
    assert stat < chi2.ppf(CRIT, 5), stat
    np.testing.assert_allclose(est.predict(X), _design(X) @ diff, atol=1e-8)


def test_two_model_classifiers_wald_binary_rct():
    alpha, beta = np.array([-0.5, 0.4, 0.0, 0.3]), np.array([0.2, 0.4, 0.7, 0.3])
    X, y, t, uplift = make_binary_rct(
        20_000, GAMMA, logistic_arms=(alpha, beta), random_state=3
    )
    est = TwoModelUplift(treatment_model=_logit(), control_model=_logit()).fit(
        X, y, treatment=t
    )
    m1, m0 = est.treatment_models_[0], est.control_models_[0]
    # Independent arms: the two Wald statistics add up to a chi2 with 8 df.
    stat = _wald(_coef(m1) - beta, _logistic_fisher_cov(m1, X[t == 1])) + _wald(
        _coef(m0) - alpha, _logistic_fisher_cov(m0, X[t == 0])
    )
    assert stat < chi2.ppf(CRIT, 8), stat
    pred = est.predict(X)
    np.testing.assert_allclose(
        pred, m1.predict_proba(X)[:, 1] - m0.predict_proba(X)[:, 1], atol=1e-12
    )
    assert np.corrcoef(pred, uplift)[0, 1] > 0.95


def test_class_transformation_wald_binary_rct():
    # P(z = 1 | x) = sigmoid([1, x] gamma) exactly: the logistic MLE of z is
    # correctly specified and the uplift is 2 sigmoid(.) - 1.
    X, y, t, uplift = make_binary_rct(20_000, GAMMA, random_state=4)
    est = ClassTransformation(final_model=_logit()).fit(X, y, treatment=t)
    m = est.final_model_
    stat = _wald(_coef(m) - GAMMA, _logistic_fisher_cov(m, X))
    assert stat < chi2.ppf(CRIT, 4), stat
    np.testing.assert_allclose(
        est.predict(X), 2 * m.predict_proba(X)[:, 1] - 1, atol=1e-12
    )
    # The mean uplift is the mean of 2z - 1 (score equations with an intercept):
    # within 4 of its standard errors of the sample's mean true uplift.
    z = (y == t).astype(float)
    assert abs(est.predict(X).mean() - uplift.mean()) < 4 * (2 * z).std() / np.sqrt(
        len(z)
    )


def test_transformed_outcome_known_propensity_wald_rct():
    # E[z | x] = tau(x) = 1 + x_2 exactly when e is the true 1/2.
    X, y, t, tau = make_heterogeneous(20_000, 4, design="rct", random_state=5)
    est = TransformedOutcome(final_model=LinearRegression()).fit(
        X, y, treatment=t, propensity=0.5
    )
    z = est.pseudo_outcomes_[:, 0]
    np.testing.assert_allclose(z, y * (t - 0.5) / 0.25)
    beta, cov = _ols_coef_and_sandwich(X, z)
    np.testing.assert_allclose(_coef(est.final_models_[0]), beta, atol=1e-8)
    stat = _wald(beta - np.array([1.0, 0, 0, 1, 0]), cov)
    assert stat < chi2.ppf(CRIT, 5), stat
    assert est.folds_ is None and "propensity" not in est.nuisances_.models


def test_transformed_outcome_estimated_propensity_wald_observational():
    # Confounded design with a logistic-linear e(x): the cross-fitted
    # propensities make E[z | x] = tau(x) up to their estimation error, which
    # (as for IPW with an estimated propensity, Hirano, Imbens & Ridder 2003)
    # makes the sandwich that treats e as known conservative.
    X, y, t, tau = make_heterogeneous(20_000, 4, random_state=6)
    est = TransformedOutcome(final_model=LinearRegression(), cv=5).fit(
        X, y, treatment=t
    )
    assert est.nuisances_.propensity.shape == (20_000, 2) and len(est.folds_) == 5
    beta, cov = _ols_coef_and_sandwich(X, est.pseudo_outcomes_[:, 0])
    truth = np.array([1.0, 0, 0, 1, 0])
    assert _wald(beta - truth, cov) < chi2.ppf(CRIT, 5)
    # The same regression with the trial's constant 1/2 ignores the
    # confounding and is rejected: the propensity is what makes it work.
    wrong = TransformedOutcome(final_model=LinearRegression()).fit(
        X, y, treatment=t, propensity=0.5
    )
    beta_w, cov_w = _ols_coef_and_sandwich(X, wrong.pseudo_outcomes_[:, 0])
    assert _wald(beta_w - truth, cov_w) > chi2.ppf(CRIT, 5)


def test_transformed_outcome_multi_arm_known_propensity():
    # K = 3 with the design's (1, K) propensities: the mean of each column's
    # uplift (OLS with an intercept) is the mean of its z, within 4 standard
    # errors of the mean true effect.
    X, y, t, tau = make_heterogeneous(
        6000,
        4,
        n_arms=3,
        design="rct",
        treatment_labels=["c", "a", "b"],
        random_state=7,
    )
    est = TransformedOutcome(final_model=LinearRegression(), control="c").fit(
        X, y, treatment=t, propensity=np.full((1, 3), 1 / 3)
    )
    pred = est.predict(X)
    assert pred.shape == (6000, 2) and est.categories_.tolist() == ["c", "a", "b"]
    # make_heterogeneous numbers arms in label order given: "a" is arm 1, "b" arm 2.
    z = est.pseudo_outcomes_
    se = (z - tau).std(axis=0) / np.sqrt(len(z))
    assert np.all(np.abs(pred.mean(axis=0) - tau.mean(axis=0)) < 4 * se)


def test_default_models_rank_like_truth():
    # With their default (boosted) models every model's uplift is positively
    # correlated with the truth on fresh data, far beyond the 4 / sqrt(n)
    # a correlation reaches by chance.
    n_test = 2000
    X, y, t, _ = make_heterogeneous(4000, 4, design="rct", random_state=8)
    Xt, _, _, tau = make_heterogeneous(n_test, 4, design="rct", random_state=9)
    Xb, yb, tb, _ = make_binary_rct(4000, GAMMA, random_state=10)
    Xbt, _, _, ub = make_binary_rct(n_test, GAMMA, random_state=11)
    corrs = {
        "TwoModelUplift": np.corrcoef(
            TwoModelUplift().fit(X, y, treatment=t).predict(Xt), tau
        )[0, 1],
        "TransformedOutcome": np.corrcoef(
            TransformedOutcome(random_state=0).fit(X, y, treatment=t).predict(Xt), tau
        )[0, 1],
        "ClassTransformation": np.corrcoef(
            ClassTransformation().fit(Xb, yb, treatment=tb).predict(Xbt), ub
        )[0, 1],
    }
    print(corrs)
    assert min(corrs.values()) > 4 / np.sqrt(n_test)


# -- scikit-uplift --------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("outcome", ["binary", "continuous"])
def test_two_models_matches_sklift(method, outcome):
    sklift_models = pytest.importorskip("sklift.models")
    if outcome == "binary":
        X, y, t, _ = make_binary_rct(1500, GAMMA, random_state=12)
        treated, ctrl = LogisticRegression(), DecisionTreeClassifier(
            max_depth=4, random_state=0
        )
    else:
        X, y, t, _ = make_heterogeneous(1500, 4, design="rct", random_state=12)
        treated, ctrl = LinearRegression(), DecisionTreeRegressor(
            max_depth=4, random_state=0
        )
    ours = TwoModelUplift(treatment_model=treated, control_model=ctrl, method=method)
    ours = ours.fit(X, y, treatment=t).predict(X)
    ref = sklift_models.TwoModels(clone(treated), clone(ctrl), method=method)
    ref = ref.fit(X, y, t).predict(X)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "model", [LogisticRegression(), DecisionTreeClassifier(max_depth=4, random_state=0)]
)
def test_class_transformation_matches_sklift(model):
    sklift_models = pytest.importorskip("sklift.models")
    X, y, t, _ = make_binary_rct(1500, GAMMA, random_state=13)
    ours = ClassTransformation(final_model=model).fit(X, y, treatment=t).predict(X)
    ref = sklift_models.ClassTransformation(clone(model)).fit(X, y, t).predict(X)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_transformed_outcome_matches_sklift_with_constant_propensity():
    sklift_models = pytest.importorskip("sklift.models")
    X, y, t, _ = make_heterogeneous(1500, 4, design="rct", random_state=14)
    ours = TransformedOutcome(final_model=LinearRegression()).fit(
        X, y, treatment=t, propensity=0.4
    )
    ref = sklift_models.ClassTransformationReg(LinearRegression(), propensity_val=0.4)
    ref = ref.fit(X, y, t)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-10)


# -- the estimator contract -------------------------------------------------------


def _fast(cls, **kw):
    if cls is TwoModelUplift:
        kw.setdefault("treatment_model", LinearRegression())
        kw.setdefault(
            "control_model", DecisionTreeRegressor(max_depth=3, random_state=0)
        )
    elif cls is ClassTransformation:
        kw.setdefault("final_model", LogisticRegression())
    else:
        kw.setdefault("final_model", LinearRegression())
        kw.setdefault("propensity_model", LogisticRegression())
        kw.setdefault("cv", 3)
    return cls(**kw)


def _data(cls, n, *, random_state, as_frame=False):
    """Binary outcome for ClassTransformation, continuous for the others."""
    if cls is ClassTransformation:
        X, y, t, _ = make_binary_rct(n, GAMMA, random_state=random_state)
        if as_frame:
            X = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
            t = pd.Series(t, name="treatment")
        return X, y, t
    X, y, t, _ = make_heterogeneous(
        n, 4, design="rct", as_frame=as_frame, random_state=random_state
    )
    return X, y, t


@pytest.mark.parametrize("cls", MODELS)
def test_string_labels_and_control(cls):
    X, y, t = _data(cls, 600, random_state=15)
    labels = np.where(t == 1, "mail", "none")
    est = _fast(cls, control="none").fit(X, y, treatment=labels)
    assert est.categories_.tolist() == ["none", "mail"]
    ref = _fast(cls).fit(X, y, treatment=t)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), atol=1e-12)
    np.testing.assert_allclose(est.effect(X, T0="mail", T1="none"), -est.predict(X))
    # The other arm as control flips the sign of a symmetric method.
    if cls is TwoModelUplift:
        flipped = _linear_two_model(control="mail")
        same = _linear_two_model(control="none")
        np.testing.assert_allclose(
            flipped.fit(X, y, treatment=labels).predict(X),
            -same.fit(X, y, treatment=labels).predict(X),
            atol=1e-10,
        )


@pytest.mark.parametrize("cls", MODELS)
def test_pandas_clone_pickle(cls):
    X, y, t = _data(cls, 600, random_state=16, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warnings from inner models
        est = _fast(cls).fit(X, y, treatment=t)
        pred = est.predict(X)
    assert est.feature_names_in_.tolist() == list(X.columns)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), pred)
    fresh = clone(est)
    assert not hasattr(fresh, "categories_")
    np.testing.assert_allclose(fresh.fit(X, y, treatment=t).predict(X), pred)


@pytest.mark.parametrize("cls", MODELS)
def test_sample_weight_equals_duplication(cls):
    X, y, t = _data(cls, 400, random_state=17)
    w = np.r_[np.full(200, 2), np.ones(200)].astype(int)
    rep = np.repeat(np.arange(400), w)
    fit_kw = {"propensity": 0.5} if cls is TransformedOutcome else {}
    kw = {}
    if cls is TwoModelUplift:
        kw["method"] = "ddr_control"
    if cls is ClassTransformation:
        kw["final_model"] = _logit()
    a = _fast(cls, **kw).fit(X, y, treatment=t, sample_weight=w, **fit_kw).predict(X)
    b = _fast(cls, **kw).fit(X[rep], y[rep], treatment=t[rep], **fit_kw).predict(X)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_transformed_outcome_grid_search_routes_treatment_and_propensity():
    X, y, t, _ = make_heterogeneous(900, 4, design="rct", random_state=18)
    e = np.full(900, 0.5)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            TransformedOutcome(final_model=DecisionTreeRegressor(random_state=0)),
            {"final_model__max_depth": [1, 2]},
            scoring=DRMSEScorer(
                propensity_model=LogisticRegression(),
                outcome_model=LinearRegression(), cv=2,
            ),
            cv=3,
        ).fit(X, y, treatment=t, propensity=e)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.folds_ is None  # the routed propensity was used


@pytest.mark.parametrize("cls", MODELS)
def test_inputs_not_modified(cls):
    X, y, t = _data(cls, 300, random_state=19, as_frame=True)
    y = pd.Series(y)
    X0, y0, t0 = X.copy(), y.copy(), t.copy()
    _fast(cls).fit(X, y, treatment=t, sample_weight=np.ones(300))
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_series_equal(y, y0)
    pd.testing.assert_series_equal(t, t0)


# -- bad input ------------------------------------------------------------------


@pytest.mark.parametrize("cls", MODELS)
def test_bad_input_common(cls):
    X, y, t = _data(cls, 200, random_state=20)
    with pytest.raises(ValueError, match="at least two arms"):
        _fast(cls).fit(X, y, treatment=np.ones(200))
    with pytest.raises(ValueError, match="requires treatment"):
        _fast(cls).fit(X, y)
    with pytest.raises(ValueError, match="treatment has 199 entries"):
        _fast(cls).fit(X, y, treatment=t[:-1])
    est = _fast(cls).fit(X, y, treatment=t)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :2])


def test_class_transformation_bad_input_and_balance_warning():
    X, y, t, _ = make_binary_rct(600, GAMMA, random_state=21)
    ct = ClassTransformation(final_model=LogisticRegression())
    with pytest.raises(ValueError, match=r"y must be a binary outcome"):
        clone(ct).fit(X, y + 0.5, treatment=t)
    with pytest.raises(ValueError, match=r"y must be a binary outcome"):
        clone(ct).fit(X, 2 * y, treatment=t)
    with pytest.raises(ValueError, match="treatment must have exactly two arms"):
        clone(ct).fit(X, y, treatment=np.arange(600) % 3)
    with pytest.raises(InvalidParameterError, match="final_model"):
        ClassTransformation(final_model=LinearRegression()).fit(X, y, treatment=t)
    # Imbalanced arms: warned; weighting the arms to equal totals is not.
    t_imb = (np.arange(600) % 4 == 0).astype(int)
    with pytest.warns(
        UserWarning, match="balanced arms, but the treated share is 0.250"
    ):
        clone(ct).fit(X, y, treatment=t_imb)
    w = np.where(t_imb == 1, 0.5 / 0.25, 0.5 / 0.75)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = clone(ct).fit(X, y, treatment=t_imb, sample_weight=w)
    assert est.treated_share_ == pytest.approx(0.5)


def test_transformed_outcome_bad_propensity():
    X, y, t, _ = make_heterogeneous(300, 4, design="rct", random_state=22)
    to = TransformedOutcome(final_model=LinearRegression())
    bad_values = (0.0, 1.0, 1.2, -0.1, np.r_[0.5 * np.ones(299), 1.0], np.full(299, 0.5))
    for bad in bad_values:
        with pytest.raises(ValueError, match="propensity"):
            clone(to).fit(X, y, treatment=t, propensity=bad)
    # A 0 for an arm the unit did not receive still makes z undefined in mean.
    e = np.column_stack([np.where(t == 0, 1.0, 0.5), np.where(t == 0, 0.0, 0.5)])
    with pytest.raises(ValueError, match="propensity is 0"):
        clone(to).fit(X, y, treatment=t, propensity=e)
    with pytest.raises(ValueError, match="propensity must have shape"):
        clone(to).fit(X, y, treatment=np.arange(300) % 3, propensity=0.5)
    with pytest.raises(TypeError, match="propensity"):
        TransformedOutcome(propensity=0.5)  # known propensities go to fit


def test_transformed_outcome_warns_on_clipped_propensity():
    rng = np.random.default_rng(23)
    X = rng.normal(size=(600, 2))
    t = (X[:, 0] + 0.05 * rng.normal(size=600) > 0).astype(int)  # near-deterministic
    y = X[:, 1] + t + rng.normal(size=600)
    with pytest.warns(UserWarning, match="clipped"):
        est = TransformedOutcome(
            final_model=LinearRegression(), propensity_model=_logit(), cv=2
        ).fit(X, y, treatment=t)
    # clipped to 1e-3, then rows renormalised (their sum is at most 1 + 1e-3)
    assert est.nuisances_.propensity.min() >= 1e-3 / (1 + 1e-3) - 1e-15
    assert est.overlap_["n_clipped"].sum() > 0
    assert np.all(np.isfinite(est.predict(X)))


def test_two_model_bad_input():
    X, y, t, _ = make_heterogeneous(300, 4, design="rct", random_state=24)
    with pytest.raises(InvalidParameterError, match="method"):
        TwoModelUplift(method="ddr").fit(X, y, treatment=t)
    with pytest.raises(TypeError, match="positional"):
        TwoModelUplift(LinearRegression())  # model parameters are keyword-only


def test_two_model_rejects_continuous_treatment():
    # Regression: a continuous dose became one arm per distinct value (300
    # one-unit arms here) and predict returned 299 columns of noise.
    X, y, _, _ = make_heterogeneous(300, 4, design="rct", random_state=25)
    dose = np.random.default_rng(25).uniform(0, 1, size=300)
    with pytest.raises(ValueError, match="treatment looks continuous.*DML"):
        _linear_two_model().fit(X, y, treatment=dose)
    # Integer-valued floats are arms, not a dose.
    est = _linear_two_model().fit(X, y, treatment=(dose > 0.5).astype(float))
    assert est.categories_.tolist() == [0.0, 1.0]


def test_two_model_classifier_outcome_is_a_mean():
    # A classifier's mu(x) is E[Y | x] = sum_c c P(c | x): P(y = 1 | x) for a
    # 0/1 outcome, 0 where an arm saw y = 0 only (not the 1.0 of
    # predict_proba[:, -1]), and the mean of y for any numeric classes.
    X, y, t, _ = make_binary_rct(600, GAMMA, random_state=26)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    y0 = np.where(t == 0, 0, y)
    est = TwoModelUplift(treatment_model=tree, control_model=tree)
    pred = est.fit(X, y0, treatment=t).predict(X)
    np.testing.assert_allclose(pred, est.treatment_models_[0].predict_proba(X)[:, 1])
    pred = est.fit(X, y + t * y, treatment=t).predict(X)  # outcome values 0, 1, 2
    m1, m0 = est.treatment_models_[0], est.control_models_[0]
    np.testing.assert_allclose(
        pred, m1.predict_proba(X) @ m1.classes_ - m0.predict_proba(X) @ m0.classes_
    )


def test_two_model_defaults_follow_the_outcome():
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from causaldist.datasets import make_campaign, make_heterogeneous

    X, y, t, uplift = make_campaign(n_samples=10000, random_state=0)
    est = TwoModelUplift(random_state=0).fit(X, y, treatment=t)
    assert isinstance(est.control_models_[0], HistGradientBoostingClassifier)
    assert isinstance(est.treatment_models_[0], HistGradientBoostingClassifier)
    pred = est.predict(X)
    # a difference of two response probabilities
    assert np.all(np.abs(pred) <= 1) and np.corrcoef(pred, uplift)[0, 1] > 0.4
    mu0 = est.control_models_[0].predict_proba(X)[:, 1]
    mu1 = est.treatment_models_[0].predict_proba(X)[:, 1]
    np.testing.assert_allclose(pred, mu1 - mu0)
    # continuous outcomes keep the regressors, and their numbers
    Xc, yc, tc, _ = make_heterogeneous(500, design="rct", random_state=0)
    est_c = TwoModelUplift(random_state=0).fit(Xc, yc, treatment=tc)
    assert isinstance(est_c.control_models_[0], HistGradientBoostingRegressor)
    reg = HistGradientBoostingRegressor(early_stopping=False, random_state=0)
    explicit = TwoModelUplift(treatment_model=reg, control_model=reg, random_state=0)
    np.testing.assert_array_equal(est_c.predict(Xc), explicit.fit(Xc, yc, treatment=tc).predict(Xc))
