"""Regression tests of the contract redesign (issue 10): each failed before its fix."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from causaldist.datasets import make_heterogeneous
from causaldist.evaluation import AverageTreatmentEffect, DREvaluator, overlap_diagnostics
from causaldist.metalearners import DRLearner, RLearner, SLearner, TLearner, XLearner
from causaldist.model_selection import (
    DRMSEScorer,
    PolicyValueScorer,
    RLossScorer,
    cross_fit,
    make_folds,
)
from causaldist.model_selection._crossfit import Nuisances
from causaldist.pipeline import make_pipeline


def _data(n=600, seed=0, **kw):
    return make_heterogeneous(n, 4, random_state=seed, **kw)


# -- tuning ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", [DRLearner, RLearner, XLearner, TLearner])
def test_default_scoring_grid_search_with_routing(cls):
    # Regression: score did not request treatment, so GridSearchCV(est, grid)
    # raised UnsetMetadataPassedError with routing on.
    X, y, t, _ = _data()
    est = cls(outcome_model=LinearRegression())
    grid = {"control": [None, 0]}
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, grid, cv=2).fit(X, y, treatment=t)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_default_scoring_without_routing_fails_loudly():
    # Regression: all-NaN scores and an arbitrary best model.
    X, y, t, _ = _data()
    search = GridSearchCV(DRLearner(outcome_model=LinearRegression()),
                          {"control": [None, 0]}, cv=2)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        search.fit(X, y, treatment=t)


@pytest.mark.parametrize(
    "scorer", [DRMSEScorer(cv=2), RLossScorer(cv=2), PolicyValueScorer(cv=2)],
    ids=lambda s: type(s).__name__,
)
def test_scorers_score_a_pipeline(scorer):
    # Regression: scorers called estimator privates, so a Pipeline ending in a
    # causal estimator scored NaN (AttributeError swallowed by GridSearchCV).
    from causaldist.policy import DRPolicyTree

    X, y, t, _ = _data()
    final = (
        DRPolicyTree(outcome_model=LinearRegression(), max_depth=1, cv=2)
        if isinstance(scorer, PolicyValueScorer)
        else DRLearner(outcome_model=LinearRegression(), cv=2)
    )
    pipe = sk_make_pipeline(StandardScaler(), final)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {"standardscaler__with_mean": [True, False]},
                              scoring=scorer, cv=2).fit(X, y, treatment=t)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def _counting(base):
    """A model class that counts its fits in a class attribute."""

    class Counting(type(base)):
        fits = 0

        def fit(self, X, y, **kw):
            type(self).fits += 1
            return super().fit(X, y, **kw)

    Counting.__name__ = f"Counting{type(base).__name__}"
    return Counting


def test_learner_score_uses_its_own_nuisance_models():
    # Regression: score cross-fitted fresh nuisances (DRMSEScorer(random_state=0)),
    # ignoring the learner's models, cv and memory.
    X, y, t, _ = _data(800)
    CountReg, CountClf = _counting(LinearRegression()), _counting(LogisticRegression())
    est = DRLearner(outcome_model=CountReg(), propensity_model=CountClf(), cv=2)
    est.fit(X[:500], y[:500], treatment=t[:500])
    fits = CountReg.fits, CountClf.fits
    score = est.score(X[500:], y[500:], treatment=t[500:])
    assert (CountReg.fits, CountClf.fits) == fits  # nothing refitted
    nuis = est.nuisances_.predict(X[500:])
    gamma = nuis.dr_scores(y[500:], t[500:])
    expected = -np.mean((gamma[:, 1] - gamma[:, 0] - est.predict(X[500:])) ** 2)
    assert score == pytest.approx(expected, rel=1e-12)


# -- the shared stage -----------------------------------------------------------
def test_memory_not_stale_when_a_function_is_redefined(tmp_path, monkeypatch):
    # Regression: joblib hashes functions by module and name, so a
    # FunctionTransformer whose function got a new body under the same name (a
    # notebook cell run again) hit the stale cache entry.
    import sys
    import types

    notebook = types.ModuleType("notebook_session")
    monkeypatch.setitem(sys.modules, "notebook_session", notebook)
    X, y, t, _ = _data(300)
    folds = make_folds(2, t)

    def model():
        return sk_make_pipeline(FunctionTransformer(notebook.shift), LinearRegression())

    exec("def shift(Z):\n    return Z", notebook.__dict__)
    first = cross_fit(X, y, t, folds=folds, outcome_model=model(), memory=str(tmp_path))
    exec("def shift(Z):\n    return Z ** 2", notebook.__dict__)
    second = cross_fit(X, y, t, folds=folds, outcome_model=model(), memory=str(tmp_path))
    fresh = cross_fit(X, y, t, folds=folds, outcome_model=model())
    assert not np.allclose(first.outcome, second.outcome)
    np.testing.assert_allclose(second.outcome, fresh.outcome)


def test_memory_refuses_what_it_cannot_hash(tmp_path):
    X, y, t, _ = _data(300)

    def local(Z):  # not picklable by reference
        return Z

    model = sk_make_pipeline(FunctionTransformer(local), LinearRegression())
    with pytest.warns(UserWarning, match="not cached"):
        nuis = cross_fit(X, y, t, folds=make_folds(2, t), outcome_model=model,
                         memory=str(tmp_path))
    assert nuis.outcome.shape == (300, 2)


def test_binary_outcome_arm_with_one_class_in_a_fold():
    # Regression: P(y=1) came from proba[:, -1], so an arm whose training fold
    # had only y=0 got P(y=1) = 1.0.
    rng = np.random.default_rng(0)
    n = 200
    X = rng.normal(size=(n, 2))
    t = np.tile([0, 1], n // 2)
    y = np.where(t == 1, 0.0, (rng.random(n) < 0.5).astype(float))  # arm 1: y = 0
    nuis = cross_fit(X, y, t, folds=make_folds(2, t),
                     outcome_model=DecisionTreeClassifier(max_depth=2))
    np.testing.assert_array_equal(nuis.outcome[:, 1], 0.0)


def test_scorers_take_ensemble_nuisance_models():
    # Regression: `self.outcome_model or default` called len() on an unfitted
    # ensemble and crashed.
    X, y, t, _ = _data(300)
    est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    score = DRMSEScorer(outcome_model=RandomForestRegressor(n_estimators=5, random_state=0),
                        cv=2)(est, X, y, treatment=t)
    assert np.isfinite(score)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, y, t: make_folds(2, np.array([0.5, 1.5] * 5)), "integer codes"),
        (lambda X, y, t: make_folds(2, t, groups=np.arange(3)), "groups"),
        (lambda X, y, t: cross_fit(X, y, t, folds=[], outcome_model=LinearRegression()),
         "folds"),
        (lambda X, y, t: cross_fit(X[:5], y, t, folds=make_folds(2, t),
                                   outcome_model=LinearRegression()), "rows"),
        (lambda X, y, t: cross_fit(X, y, t, folds=make_folds(2, t)), "at least one"),
        (lambda X, y, t: cross_fit(X, y, t, folds=[(np.arange(5), np.arange(90, 200))] * 2,
                                   outcome_model=LinearRegression()), "outside"),
        (lambda X, y, t: cross_fit(X, y, t, folds=make_folds(2, t),
                                   outcome_model="ridge"), "estimator"),
        (lambda X, y, t: cross_fit(X, y, t, folds=make_folds(2, t), min_propensity=0.7,
                                   propensity_model=LogisticRegression()), "min_propensity"),
        (lambda X, y, t: Nuisances(outcome=np.zeros((100, 2)),
                                   propensity=np.full((100, 2), 0.5)).dr_scores(y[:50], t),
         "one entry per unit"),
        (lambda X, y, t: Nuisances(outcome=np.zeros((100, 2)),
                                   propensity=np.full((100, 2), 0.5)).dr_scores(y, t + 1),
         "codes"),
    ],
)
def test_low_level_functions_check_their_input(call, match):
    # Regression: IndexErrors from deep inside numpy.
    X, y, t, _ = _data(100)
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, y, t)


# -- learners ---------------------------------------------------------------------
def test_xlearner_min_propensity_is_used():
    # Regression: XLearner(min_propensity=...) did nothing.
    X, y, t, _ = _data(600)
    kw = dict(outcome_model=LinearRegression(), final_model=DecisionTreeRegressor(
        max_depth=2, random_state=0), propensity_model=LogisticRegression(C=100), cv=2)
    a = XLearner(min_propensity=1e-3, **kw).fit(X, y, treatment=t)
    b = XLearner(min_propensity=0.3, **kw).fit(X, y, treatment=t)
    assert b.nuisances_.propensity.min() >= 0.3 - 1e-9
    assert not np.allclose(a.predict(X), b.predict(X))


@pytest.mark.parametrize("cls", [SLearner, TLearner])
def test_continuous_treatment_raises_in_s_and_t(cls):
    # Regression: a continuous treatment became n arms.
    X, y, _, _ = _data(300)
    dose = np.random.default_rng(0).uniform(size=300)
    with pytest.raises(ValueError, match="continuous"):
        cls(outcome_model=LinearRegression()).fit(X, y, treatment=dose)


@pytest.mark.parametrize("cls", [DRLearner, RLearner, XLearner])
def test_learners_report_overlap_and_warn(cls):
    # Regression: with poor overlap, DR PEHE reached 4-5 and pseudo-outcomes 339
    # while the learners said nothing.
    rng = np.random.default_rng(0)
    n = 2000
    X = rng.normal(size=(n, 3))
    X[:, 0] = rng.standard_t(3, size=n)  # heavy tails: a few units carry an arm
    t = (rng.random(n) < 1 / (1 + np.exp(-5 * X[:, 0]))).astype(int)
    y = X[:, 0] + t + rng.normal(size=n)
    est = cls(outcome_model=LinearRegression(), propensity_model=LogisticRegression(), cv=2)
    with pytest.warns(UserWarning, match="Poor overlap"):
        est.fit(X, y, treatment=t)
    assert est.overlap_["ess_fraction"].min() < 0.1


def test_att_overlap_reports_control_odds_weights():
    # Regression: for the ATT the report flagged the treated arm's 1/e weights
    # and missed the control odds weights that matter.
    rng = np.random.default_rng(1)
    n = 4000
    e = np.clip(1 / (1 + np.exp(-(3 * rng.normal(size=n) - 2))), 1e-3, 1 - 1e-3)
    t = (rng.random(n) < e).astype(int)
    P = np.column_stack([1 - e, e])
    ate = overlap_diagnostics(P, t, warn=False)
    att = overlap_diagnostics(P, t, estimand="att", warn=False)
    assert att.loc[1, "ess_fraction"] == 1.0  # treated units count once
    odds = e[t == 0] / (1 - e[t == 0])
    assert att.loc[0, "ess"] == pytest.approx(odds.sum() ** 2 / (odds**2).sum())
    assert att.loc[0, "ess_fraction"] < ate.loc[0, "ess_fraction"]


def test_overlap_with_zero_propensity_is_not_nan():
    # Regression: ess=NaN silently.
    P = np.array([[1.0, 0.0], [0.5, 0.5], [0.5, 0.5], [0.2, 0.8]])
    t = np.array([1, 0, 1, 0])
    with pytest.warns(UserWarning, match="effective sample size"):
        report = overlap_diagnostics(P, t)
    assert np.all(np.isfinite(report["ess"])) and report.loc[1, "ess"] == 0.0


def test_defaults_are_reproducible_above_ten_thousand_rows():
    # Regression: HistGradientBoosting's early stopping drew an unseeded
    # validation split above 10^4 rows, so two identical fits differed.
    X, y, t, _ = make_heterogeneous(12_000, 4, random_state=0)
    kw = dict(cv=2, propensity_model=LogisticRegression())
    a = AverageTreatmentEffect(**kw).fit(X, y, treatment=t).estimate_.value
    b = AverageTreatmentEffect(**kw).fit(X, y, treatment=t).estimate_.value
    assert a == b


def test_nan_in_X_accepted_when_the_models_take_it():
    # Regression: NaN in X was rejected although HistGradientBoosting handles it.
    X, y, t, _ = _data(600)
    X = X.copy()
    X[::7, 1] = np.nan
    est = DRLearner(propensity_model=HistGradientBoostingClassifier(max_iter=20),
                    outcome_model=HistGradientBoostingRegressor(max_iter=20),
                    final_model=HistGradientBoostingRegressor(max_iter=20), cv=2)
    assert est.__sklearn_tags__().input_tags.allow_nan
    assert np.all(np.isfinite(est.fit(X, y, treatment=t).predict(X)))
    with pytest.raises(ValueError, match="NaN"):  # the default propensity model does not
        DRLearner(cv=2).fit(X, y, treatment=t)


def test_default_propensity_model_fits_unscaled_data_without_warnings():
    # Regression: unscaled LogisticRegression emitted ConvergenceWarnings on
    # income-like columns (NSW, NHEFS).
    rng = np.random.default_rng(0)
    n = 2000
    X = np.column_stack([rng.lognormal(9, 1, n), rng.lognormal(8, 1.5, n),
                         rng.integers(17, 55, n), rng.normal(size=n)])
    t = (rng.random(n) < 1 / (1 + np.exp(-(np.log(X[:, 0]) - 9)))).astype(int)
    y = X[:, 0] / 1000 + t + rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AverageTreatmentEffect(method="ipw", cv=2).fit(X, y, treatment=t)


def test_evaluators_accept_what_their_nuisance_models_accept():
    # Regression: a mixed-type DataFrame was rejected even when the nuisance
    # models were pipelines that encode it.
    X, y, t, _ = _data(400, as_frame=True)
    X = X.assign(region=np.where(X["x0"] > 0, "north", "south"))
    encode = make_column_transformer((OneHotEncoder(), ["region"]), remainder="passthrough")
    ev = DREvaluator(
        outcome_model=sk_make_pipeline(encode, LinearRegression()),
        propensity_model=sk_make_pipeline(encode, LogisticRegression()), cv=2,
    ).fit(X, y, treatment=t)
    value = ev.evaluate(lambda df: (df["region"] == "north").astype(int))
    assert np.isfinite(value.value) and ev.feature_names_in_[-1] == "region"
    ate = AverageTreatmentEffect(
        outcome_model=sk_make_pipeline(encode, LinearRegression()),
        propensity_model=sk_make_pipeline(encode, LogisticRegression()), cv=2,
    ).fit(X, y, treatment=t)
    assert np.isfinite(ate.estimate_.value)


def test_known_propensity_routed_to_learners():
    # Known propensities and groups work everywhere, not only in evaluators.
    X, y, t, _ = _data(400)
    est = DRLearner(outcome_model=LinearRegression(), cv=2).fit(
        X, y, treatment=t, propensity=0.5, groups=np.arange(400) // 4
    )
    np.testing.assert_array_equal(est.nuisances_.propensity, 0.5)
    for train, test in est.folds_:
        assert not set(np.arange(400)[train] // 4) & set(np.arange(400)[test] // 4)
    assert "propensity" not in est.nuisances_.models


# -- the causal pipeline --------------------------------------------------------
def test_causal_pipeline_exposes_verbs_and_feature_names():
    # Regression: a Pipeline hid effect, predict_value and the rest.
    from causaldist.policy import DRPolicyTree

    X, y, t, _ = _data(600, as_frame=True)
    X = X.assign(region=np.where(X["x2"] > 0, "north", "south"))
    encode = make_column_transformer((OneHotEncoder(sparse_output=False), ["region"]),
                                     remainder="passthrough")
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(encode, DRLearner(outcome_model=LinearRegression(), cv=2))
        pipe.fit(X, y, treatment=t)
        tree = make_pipeline(encode, DRPolicyTree(outcome_model=LinearRegression(),
                                                  max_depth=1, cv=2)).fit(X, y, treatment=t)
    np.testing.assert_allclose(pipe.effect(X, T0=0, T1=1), pipe.predict(X))
    assert pipe.categories_.tolist() == [0, 1]
    assert "onehotencoder__region_north" in pipe[-1].feature_names_in_
    assert tree.predict_value(X).shape == (600, 2)
    assert "<=" in tree[-1].policy_tree_.export_text()
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(again.effect(X, T0=0, T1=1), pipe.predict(X))
    assert not hasattr(make_pipeline(StandardScaler(), DRLearner()), "evaluate")


@pytest.mark.parametrize("cls", [DRLearner, RLearner, XLearner])
def test_effect_features_make_the_rest_controls(cls):
    # Controls confound (enter the nuisances) but do not enter the effect model.
    X, y, t, tau = _data(800, as_frame=True)
    est = cls(outcome_model=LinearRegression(), final_model=LinearRegression(),
              effect_features=["x2"], cv=2).fit(X, y, treatment=t)
    assert est.effect_features_.tolist() == [2]
    assert all(m.n_features_in_ == 1 for m in np.ravel(est.final_models_))
    moved = X.assign(x0=X["x0"] + 5.0, x3=-X["x3"])  # controls change, x2 does not
    if cls is XLearner:  # the propensity blend sees every column
        assert est.predict(moved).shape == (800,)
    else:
        np.testing.assert_allclose(est.predict(moved), est.predict(X))
    by_position = cls(outcome_model=LinearRegression(), final_model=LinearRegression(),
                      effect_features=[2], cv=2).fit(X.to_numpy(), y, treatment=t)
    np.testing.assert_allclose(by_position.predict(X.to_numpy()), est.predict(X))
    with pytest.raises(ValueError, match="not columns of X"):
        cls(effect_features=["nope"], cv=2).fit(X, y, treatment=t)
    # after a ColumnTransformer in the causal Pipeline, by the transformed name
    encode = make_column_transformer((StandardScaler(), ["x0", "x1", "x2", "x3"]))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(encode, cls(outcome_model=LinearRegression(),
                                         final_model=LinearRegression(), cv=2,
                                         effect_features=["standardscaler__x2"]))
        pipe.fit(X, y, treatment=t)
    assert pipe[-1].effect_features_.tolist() == [2]


def test_warnings_point_at_the_users_line():
    # A fixed stacklevel pointed into causaldist/base.py under the template
    # fit; under a Pipeline or GridSearchCV the depth differs again.
    X, y, t, _ = make_heterogeneous(n_samples=300, random_state=0)
    labels = np.where(t == 1, "email", "letter")
    with sklearn.config_context(enable_metadata_routing=True):
        for fit in (
            lambda: DRLearner(cv=2).fit(X, y, treatment=labels),
            lambda: make_pipeline(StandardScaler(), DRLearner(cv=2)).fit(
                X, y, treatment=labels
            ),
            lambda: GridSearchCV(
                DRLearner(cv=2), {"min_propensity": [0.01]}, cv=2
            ).fit(X, y, treatment=labels),
        ):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit()
            control = [w for w in caught if "ambiguous" in str(w.message)]
            assert control, [str(w.message) for w in caught]
            assert {w.filename for w in control} == {__file__}
