"""DML estimators: shapes (econml's), controls, treatments, final stages, repeats."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from causaldist.dml import DML, LinearDML, SparseLinearDML
from causaldist.metalearners import LinearDRLearner

LIN = dict(outcome_model=LinearRegression(), treatment_model=LinearRegression())


def _data(kind, n=1000, d_y=None, seed=0):
    """X = [x0, x1, w0, w1]; the effect varies with x1 only; w confound."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    index = 0.5 * X[:, 0] + 0.5 * X[:, 2]
    if kind == "binary":
        T = (rng.random(n) < 1 / (1 + np.exp(-index))).astype(int)
        D = T[:, None].astype(float)
    elif kind == "k3":
        T = rng.integers(0, 3, n)
        D = np.column_stack([T == 1, T == 2]).astype(float)
    elif kind == "continuous":
        T = index + rng.normal(size=n)
        D = T[:, None]
    else:  # two columns
        T = np.column_stack([index, -0.5 * X[:, 2]]) + rng.normal(size=(n, 2))
        D = T
    theta = np.column_stack([1 + X[:, 1], -1 + 0.5 * X[:, 1]])[:, : D.shape[1]]
    y = X[:, 2] + X[:, 0] + np.sum(D * theta, axis=1) + rng.normal(size=n)
    if d_y:
        y = np.column_stack([y, 2 * y])
    return X, y, T


def _est(kind, cls=LinearDML, **kw):
    disc = kind in ("binary", "k3")
    models = dict(outcome_model=LinearRegression(),
                  treatment_model=LogisticRegression() if disc else LinearRegression())
    return cls(**models, discrete_treatment=disc, cv=2, random_state=0, **kw)


SHAPES = {  # econml 0.17's shapes (measured): cme, effect, coef_, intercept_
    ("binary", None): ((4, 1), (4,), (4,), ()),
    ("binary", 2): ((4, 2, 1), (4, 2), (2, 4), (2,)),
    ("k3", None): ((4, 2), (4,), (2, 4), (2,)),
    ("k3", 2): ((4, 2, 2), (4, 2), (2, 2, 4), (2, 2)),
    ("continuous", None): ((4,), (4,), (4,), ()),
    ("continuous", 2): ((4, 2), (4, 2), (2, 4), (2,)),
    ("two", None): ((4, 2), (4,), (2, 4), (2,)),
    ("two", 2): ((4, 2, 2), (4, 2), (2, 2, 4), (2, 2)),
}


@pytest.mark.parametrize("kind, d_y", list(SHAPES))
def test_econml_shapes(kind, d_y):
    X, y, T = _data(kind, d_y=d_y)
    est = _est(kind).fit(X, y, treatment=T)
    cme, eff, coef, intercept = SHAPES[(kind, d_y)]
    assert est.const_marginal_effect(X[:4]).shape == cme
    assert est.marginal_effect(T[:4], X[:4]).shape == cme
    T1 = 2 if kind == "k3" else 1
    assert est.effect(X[:4], T0=0, T1=T1).shape == eff
    assert est.coef_.shape == coef
    assert np.shape(est.intercept_) == intercept
    inf = est.effect_inference(X[:4], T0=0, T1=T1)
    assert inf.point_estimate.shape == eff and inf.stderr.shape == eff
    lo, hi = est.effect_interval(X[:4], T0=0, T1=T1, alpha=0.1)
    assert lo.shape == eff and np.all(lo < hi)
    assert est.const_marginal_effect_inference(X[:4]).stderr.shape == cme
    assert [a.shape for a in est.coef__interval()] == [coef, coef]


@pytest.mark.parametrize("kind", ["binary", "k3", "continuous", "two"])
def test_linear_dml_recovers_effects(kind):
    X, y, T = _data(kind, n=4000)
    est = _est(kind, effect_features=[0, 1]).fit(X, y, treatment=T)
    theta = est.const_marginal_effect(np.array([[0, 0, 5, 5], [0, 1, -5, 5]]))
    truth = np.array([[1, -1], [2, -0.5]])[:, : 1 if kind in ("binary", "continuous") else 2]
    np.testing.assert_allclose(np.reshape(theta, truth.shape), truth, atol=0.15)
    # the controls do not enter the effect: only two effect features
    assert est.coef_.shape[-1] == 2
    assert est.cate_feature_names().tolist() == ["X0", "X1"]


def test_effect_is_linear_in_treatment_difference():
    X, y, T = _data("two")
    est = _est("two").fit(X, y, treatment=T)
    T0, T1 = np.array([0.5, -1.0]), np.array([1.5, 2.0])
    cme = est.const_marginal_effect(X[:5])
    np.testing.assert_allclose(est.effect(X[:5], T0=T0, T1=T1), cme @ (T1 - T0))


def test_effect_features_by_name_in_pipeline_after_column_transformer():
    X, y, T = _data("continuous")
    frame = pd.DataFrame(X, columns=["age", "income", "region", "score"])
    pre = ColumnTransformer(
        [("scale", StandardScaler(), ["age", "income"])], remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = make_pipeline(pre, LinearDML(**LIN, effect_features=["age", "income"], cv=2))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(frame, y, treatment=T)
    est = pipe[-1]
    assert est.cate_feature_names().tolist() == ["age", "income"]
    assert est.summary().index.tolist() == ["age", "income", "cate_intercept"]
    by_index = LinearDML(**LIN, effect_features=[0, 1], cv=2).fit(
        pre.fit_transform(frame).to_numpy(), y, treatment=T)
    np.testing.assert_allclose(pipe.predict(frame), by_index.predict(pre.transform(frame).to_numpy()))


def test_effect_features_errors():
    X, y, T = _data("continuous", n=200)
    with pytest.raises(ValueError, match="no column names"):
        LinearDML(**LIN, effect_features=["a"], cv=2).fit(X, y, treatment=T)
    with pytest.raises(ValueError, match="outside"):
        LinearDML(**LIN, effect_features=[7], cv=2).fit(X, y, treatment=T)


def test_featurizer_and_no_intercept():
    X, y, T = _data("continuous")
    est = LinearDML(**LIN, featurizer=PolynomialFeatures(2, include_bias=False),
                    effect_features=[0, 1], fit_cate_intercept=False, cv=2).fit(X, y, treatment=T)
    assert est.cate_feature_names().tolist() == ["X0", "X1", "X0^2", "X0 X1", "X1^2"]
    with pytest.raises(AttributeError):
        est.intercept_


def test_dml_any_final_model_and_bootstrap():
    X, y, T = _data("continuous", n=1500)
    est = DML(**LIN, final_model=HistGradientBoostingRegressor(max_depth=2, max_iter=50),
              effect_features=[1], cv=2).fit(X, y, treatment=T)
    grid = np.array([[0, -1, 0, 0], [0, 1, 0, 0]])
    np.testing.assert_allclose(est.effect(grid), [0, 2], atol=0.4)
    with pytest.raises(ValueError, match="without inference"):
        est.effect_inference(grid)
    boot = DML(**LIN, final_model=LinearRegression(), effect_features=[1], cv=2,
               inference="bootstrap", n_bootstraps=50, random_state=0).fit(X, y, treatment=T)
    lin = LinearDML(**LIN, effect_features=[1], cv=2, random_state=0).fit(X, y, treatment=T)
    np.testing.assert_allclose(boot.effect(grid), lin.effect(grid), rtol=1e-8)
    # bootstrap and sandwich standard errors agree to sampling error
    ratio = boot.effect_inference(grid).stderr / lin.effect_inference(grid).stderr
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio


def test_dml_general_final_rejects_several_treatment_columns():
    X, y, T = _data("two", n=300)
    with pytest.raises(ValueError, match="LinearDML"):
        DML(**LIN, cv=2).fit(X, y, treatment=T)


def test_linear_bootstrap_option_matches_sandwich():
    X, y, T = _data("binary", n=1500)
    a = _est("binary").fit(X, y, treatment=T)
    b = _est("binary", inference="bootstrap", n_bootstraps=100).fit(X, y, treatment=T)
    np.testing.assert_allclose(a.coef_, b.coef_)
    ratio = b.coef__inference().stderr / a.coef__inference().stderr
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio


@pytest.mark.parametrize("how", ["mean", "median"])
def test_repeated_cross_fitting(how):
    X, y, T = _data("continuous")
    base = dict(outcome_model=HistGradientBoostingRegressor(max_iter=30),
                treatment_model=HistGradientBoostingRegressor(max_iter=30), cv=2)
    one = LinearDML(**base, random_state=0).fit(X, y, treatment=T)
    rep = LinearDML(**base, random_state=0, n_repeats=4, repeat_aggregation=how).fit(
        X, y, treatment=T)
    assert len(rep.final_fits_) == 4
    # repetition 0 uses the folds of a single fit
    np.testing.assert_allclose(rep.final_fits_[0].coef, one.final_fits_[0].coef)
    coefs = np.stack([f.coef[:, 0] for f in rep.final_fits_])
    agg = np.mean if how == "mean" else np.median
    np.testing.assert_allclose(rep.final_fits_[0].coef.shape, one.final_fits_[0].coef.shape)
    v = rep.summary()["point_estimate"].to_numpy()
    np.testing.assert_allclose(v, np.r_[agg(coefs, axis=0)[1:], agg(coefs, axis=0)[0]])
    # the spread of the repetitions is added to the variance
    se = rep.summary()["stderr"].to_numpy()
    per = np.stack([np.sqrt(np.diag(f.cov)) for f in rep.final_fits_])
    expect = np.sqrt(agg(per**2 + (coefs - agg(coefs, axis=0)) ** 2, axis=0))
    np.testing.assert_allclose(se, np.r_[expect[1:], expect[0]])
    with pytest.raises(ValueError, match="int cv"):
        LinearDML(**LIN, cv=[(np.arange(500), np.arange(500, 1000)),
                             (np.arange(500, 1000), np.arange(500))],
                  n_repeats=2).fit(X, y, treatment=T)


def test_explicit_folds_reproducible():
    X, y, T = _data("continuous", n=400)
    folds = [(np.arange(200, 400), np.arange(200)), (np.arange(200), np.arange(200, 400))]
    a = LinearDML(**LIN, cv=folds).fit(X, y, treatment=T)
    b = LinearDML(**LIN, cv=folds).fit(X, y, treatment=T)
    assert [f[1].tolist() for f in a.folds_] == [f[1].tolist() for f in folds]
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_score_and_grid_search():
    X, y, T = _data("continuous", n=600)
    est = LinearDML(**LIN, cv=2)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(est, {"effect_features": [None, [0, 1]]}, cv=2).fit(
            X, y, treatment=T)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_groups_give_grouped_folds_and_cluster_errors():
    X, y, T = _data("continuous", n=600)
    groups = np.repeat(np.arange(60), 10)
    est = LinearDML(**LIN, cv=3).fit(X, y, treatment=T, groups=groups)
    for train, test in est.folds_:
        assert not set(groups[train]) & set(groups[test])
    plain = LinearDML(**LIN, cv=est.folds_).fit(X, y, treatment=T)
    np.testing.assert_allclose(est.coef_, plain.coef_)
    assert not np.allclose(est.coef__inference().stderr, plain.coef__inference().stderr)


def test_sparse_linear_dml_many_features():
    rng = np.random.default_rng(1)
    n, p = 2000, 30
    X = rng.normal(size=(n, p))
    T = X[:, 0] + rng.normal(size=n)
    y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=n)
    est = SparseLinearDML(**LIN, cv=2, random_state=0).fit(X, y, treatment=T)
    truth = np.zeros(p)
    truth[1] = 1
    lo, hi = est.coef__interval(alpha=0.01)
    assert np.mean((lo <= truth) & (truth <= hi)) > 0.9
    assert abs(est.intercept_ - 1) < 0.1


def test_discrete_labels_and_control():
    X, y, T = _data("k3", n=900)
    labels = np.array(["ctrl", "a", "b"])[T]
    est = LinearDML(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
                    discrete_treatment=True, control="ctrl", cv=2, random_state=0).fit(
        X, y, treatment=labels)
    assert est.categories_.tolist() == ["ctrl", "a", "b"]
    num = _est("k3").fit(X, y, treatment=T)
    np.testing.assert_allclose(est.effect(X[:5], T0="ctrl", T1="b"), num.effect(X[:5], 0, 2))
    assert est.summary().index[0] == "X0|T0_a"


def test_continuous_treatment_rejected_by_discrete_learners():
    X, y, T = _data("continuous", n=200)
    with pytest.raises(ValueError, match="continuous"):
        LinearDRLearner(outcome_model=LinearRegression(), cv=2).fit(X, y, treatment=T)


def test_linear_dr_learner_arms_and_contrasts():
    X, y, T = _data("k3", n=3000)
    est = LinearDRLearner(outcome_model=LinearRegression(), effect_features=[0, 1], cv=2).fit(
        X, y, treatment=T)
    assert est.coef_.shape == (2, 2)
    inf = est.effect_inference(X[:5], T0=1, T1=2)
    np.testing.assert_allclose(inf.value, est.effect(X[:5], T0=1, T1=2))
    np.testing.assert_allclose(
        est.effect(X[:5], T0=1, T1=2),
        est.const_marginal_effect(X[:5]) @ np.array([-1, 1]),
    )
    assert est.summary().index.tolist()[:2] == ["cate_intercept|T0_1", "cate_intercept|T0_2"]
    summ = inf.population_summary()
    assert 0 < summ.stderr < np.mean(inf.stderr)


@pytest.mark.parametrize("n_repeats", [1, 2])
def test_refit_final_equals_a_fit_with_the_new_final_stage(n_repeats):
    """refit_final on the stored residuals = fit with the new final stage (same folds)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    T = X[:, 0] + rng.normal(size=300)
    y = (1 + X[:, 1]) * T + X[:, 2] + rng.normal(size=300)
    sw = rng.uniform(0.5, 2, 300)
    kw = dict(outcome_model=LinearRegression(), treatment_model=LinearRegression(), cv=3,
              random_state=0, n_repeats=n_repeats)
    est = LinearDML(**kw).fit(X, y, treatment=T, sample_weight=sw)
    est.set_params(featurizer=PolynomialFeatures(2, include_bias=False),
                   fit_cate_intercept=False)
    est.refit_final(X, sample_weight=sw)
    ref = LinearDML(**kw, featurizer=PolynomialFeatures(2, include_bias=False),
                    fit_cate_intercept=False).fit(X, y, treatment=T, sample_weight=sw)
    np.testing.assert_allclose(est.effect(X[:20]), ref.effect(X[:20]), rtol=1e-10)
    np.testing.assert_allclose(est.effect_interval(X[:20]), ref.effect_interval(X[:20]),
                               rtol=1e-10)
    final = DML(outcome_model=LinearRegression(), treatment_model=LinearRegression(), cv=3,
                random_state=0, final_model=LinearRegression()).fit(X, y, treatment=T)
    final.set_params(final_model=make_pipeline(PolynomialFeatures(2), LinearRegression()))
    final.refit_final(X)
    ref = DML(outcome_model=LinearRegression(), treatment_model=LinearRegression(), cv=3,
              random_state=0, final_model=make_pipeline(PolynomialFeatures(2),
                                                        LinearRegression())).fit(
        X, y, treatment=T)
    np.testing.assert_allclose(final.effect(X[:20]), ref.effect(X[:20]), rtol=1e-10)
    with pytest.raises(ValueError, match="rows"):
        final.refit_final(X[:10])
