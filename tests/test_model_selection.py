"""The shared cross-fitting stage, its cache, and the causal scorers."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold

from causaldist.datasets import make_heterogeneous
from causaldist.metalearners import DRLearner
from causaldist.model_selection import DRMSEScorer, RLossScorer, cross_fit, make_folds


class CountingRegressor(RegressorMixin, BaseEstimator):
    """A linear regression that counts its fits in a file (works across processes)."""

    def __init__(self, log=None, alpha=0.0):
        self.log = log
        self.alpha = alpha

    def fit(self, X, y, sample_weight=None):
        with open(self.log, "a") as fh:
            fh.write("x")
        self.model_ = Ridge(alpha=self.alpha).fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        return self.model_.predict(X)


def _fits(log):
    try:
        return len(open(log).read())
    except FileNotFoundError:
        return 0


def test_memory_fits_nuisances_once_per_outer_split(tmp_path):
    log = str(tmp_path / "fits.log")
    X, y, t, _ = make_heterogeneous(600, 4, random_state=0)
    learner = DRLearner(
        CountingRegressor(log), LogisticRegression(), Ridge(), cv=3,
        memory=str(tmp_path / "cache"),
    )
    grid = {"final_model__alpha": list(np.logspace(-2, 2, 10))}
    with sklearn.config_context(enable_metadata_routing=True):
        GridSearchCV(learner, grid, cv=5, scoring=DRMSEScorer(cv=2)).fit(X, y, treatment=t)
    # 5 outer splits + 1 refit on all rows, each 3 inner folds x 2 arms.
    assert _fits(log) == (5 + 1) * 3 * 2
    # Without memory every candidate refits: 10 x 5 + 1 times.
    log2 = str(tmp_path / "fits2.log")
    with sklearn.config_context(enable_metadata_routing=True):
        GridSearchCV(learner.set_params(memory=None, outcome_model=CountingRegressor(log2)),
                     grid, cv=5, scoring=DRMSEScorer(cv=2)).fit(X, y, treatment=t)
    assert _fits(log2) == (10 * 5 + 1) * 3 * 2


def test_memory_refits_when_nuisance_or_data_change(tmp_path):
    log = str(tmp_path / "fits.log")
    X, y, t, _ = make_heterogeneous(300, 4, random_state=1)
    kw = dict(propensity_model=LogisticRegression(), cv=3, memory=str(tmp_path / "c"))
    DRLearner(CountingRegressor(log), **kw).fit(X, y, treatment=t)
    DRLearner(CountingRegressor(log), **kw).fit(X, y, treatment=t)
    assert _fits(log) == 6
    DRLearner(CountingRegressor(log, alpha=1.0), **kw).fit(X, y, treatment=t)
    assert _fits(log) == 12
    y2 = y.copy()
    y2[0] += 1
    DRLearner(CountingRegressor(log), **kw).fit(X, y2, treatment=t)
    assert _fits(log) == 18


def test_make_folds_stratified_and_complete():
    t = np.repeat([0, 1, 2], [50, 30, 20])
    folds = make_folds(5, t, random_state=0)
    assert len(folds) == 5
    tests = np.concatenate([te for _, te in folds])
    np.testing.assert_array_equal(np.sort(tests), np.arange(100))
    for train, test in folds:
        assert np.bincount(t[test]).tolist() == [10, 6, 4]
        assert set(t[train]) == {0, 1, 2}
    # unshuffled folds are deterministic; seeded ones reproducible and different
    a, b = make_folds(5, t), make_folds(5, t)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    c = make_folds(5, t, random_state=1)
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))


def test_make_folds_groups_never_split():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 200)
    groups = rng.integers(0, 40, 200)
    for cv in (4, GroupKFold(4)):
        for train, test in make_folds(cv, t, groups=groups):
            assert not set(groups[train]) & set(groups[test])


def test_make_folds_errors():
    t = np.r_[np.zeros(20, int), np.ones(3, int)]
    with pytest.raises(ValueError, match="arm with code 1 has only 3 units"):
        make_folds(5, t)
    with pytest.raises(ValueError, match="at least 2 folds"):
        make_folds(1, t)
    bad = [(np.arange(20), np.arange(20, 23)), (np.arange(3, 23), np.arange(3))]
    with pytest.raises(ValueError, match="no unit of arm"):
        make_folds(bad, t)


def test_cross_fit_outputs_and_dr_scores():
    b = make_heterogeneous(900, 4, n_arms=3, return_truth=True, random_state=2)
    t = b.treatment
    folds = make_folds(3, t, random_state=0)
    nu = cross_fit(b.X, b.y, t, folds=folds, propensity_model=LogisticRegression(),
                   outcome_model=LinearRegression(), marginal_model=LinearRegression())
    assert nu.propensity.shape == (900, 3) and nu.outcome.shape == (900, 3)
    np.testing.assert_allclose(nu.propensity.sum(axis=1), 1.0)
    # out of fold: the fold-0 model predicts exactly the fold-0 test rows
    train, test = folds[0]
    model = nu.models["outcome"][0][1]
    np.testing.assert_allclose(model.predict(b.X[test]), nu.outcome[test, 1])
    assert not np.allclose(
        LinearRegression().fit(b.X[t == 1], b.y[t == 1]).predict(b.X[test]), nu.outcome[test, 1]
    )
    # dr_scores by hand
    G = nu.dr_scores(b.y, t)
    i = 5
    for a in range(3):
        expect = nu.outcome[i, a] + (t[i] == a) / nu.propensity[i, a] * (b.y[i] - nu.outcome[i, a])
        assert G[i, a] == pytest.approx(expect)


def test_cross_fit_parallel_identical_and_multioutput_and_controls():
    X, y, t, _ = make_heterogeneous(400, 4, random_state=3)
    folds = make_folds(4, t)
    Y = np.column_stack([y, 2 * y, -y])
    kw = dict(folds=folds, propensity_model=LogisticRegression(), outcome_model=Ridge())
    a = cross_fit(X, Y, t, n_jobs=1, **kw)
    b = cross_fit(X, Y, t, n_jobs=2, **kw)
    np.testing.assert_allclose(a.outcome, b.outcome)
    assert a.outcome.shape == (400, 2, 3) and a.dr_scores(Y, t).shape == (400, 2, 3)
    np.testing.assert_allclose(a.outcome[:, :, 1], 2 * a.outcome[:, :, 0])
    W = np.random.default_rng(0).normal(size=(400, 2))
    c = cross_fit(X, y, t, W=W, **kw)
    assert c.models["outcome"][0][0].n_features_in_ == 6
    pooled = cross_fit(X, y, t, pooled_outcome=True, **kw)
    assert pooled.models["outcome"][0].n_features_in_ == 5


def test_cross_fit_clipping_warning_counts_units():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 2))
    t = (X[:, 0] + 0.05 * rng.normal(size=500) > 0).astype(int)
    y = rng.normal(size=500)
    with pytest.warns(UserWarning, match=r"(\d+) of 500 units had an estimated propensity"):
        nu = cross_fit(X, y, t, folds=make_folds(3, t), min_propensity=0.05,
                       propensity_model=LogisticRegression(C=100))
    assert nu.n_clipped > 0
    assert nu.propensity.min() >= 0.05 / (1 + 0.05) - 1e-12


def test_cross_fit_sample_weight_reaches_nuisances():
    X, y, t, _ = make_heterogeneous(300, 4, random_state=5)
    folds = make_folds(3, t)
    w = np.random.default_rng(0).uniform(0.1, 3, 300)
    a = cross_fit(X, y, t, folds=folds, outcome_model=LinearRegression(), sample_weight=w)
    b = cross_fit(X, y, t, folds=folds, outcome_model=LinearRegression())
    assert not np.allclose(a.outcome, b.outcome)
    train = folds[0][0][t[folds[0][0]] == 0]
    ref = LinearRegression().fit(X[train], y[train], sample_weight=w[train])
    np.testing.assert_allclose(a.models["outcome"][0][0].coef_, ref.coef_)


def test_scorers_rank_by_pehe_and_request_treatment():
    X, y, t, tau = make_heterogeneous(3000, 4, random_state=6)

    class Fixed(DRLearner):
        def __init__(self, shift=0.0, control=None):
            self.shift = shift
            self.control = control

        def fit(self, X, y, treatment=None, sample_weight=None):
            self._validate_fit_data(X, y, treatment)
            return self

        def _cate(self, X):
            return (1 + X[:, 2] + self.shift)[:, None]

    good, bad = Fixed(0.0).fit(X, y, treatment=t), Fixed(1.0).fit(X, y, treatment=t)
    for scorer in (DRMSEScorer(LogisticRegression(), LinearRegression(), cv=3),
                   RLossScorer(LogisticRegression(), LinearRegression(), cv=3)):
        assert scorer(good, X, y, treatment=t) > scorer(bad, X, y, treatment=t)
        req = scorer.get_metadata_routing().score.requests
        assert req["treatment"] is True
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        DRMSEScorer()(good, X, y)


def test_grid_search_picks_the_lower_pehe_candidate():
    X, y, t, _ = make_heterogeneous(3000, 4, random_state=7)
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search = GridSearchCV(
            DRLearner(LinearRegression(), final_model=Ridge(), cv=3),
            {"final_model__alpha": [1e-2, 1e7]},  # 1e7 shrinks every slope to ~0
            scoring=DRMSEScorer(LogisticRegression(), LinearRegression(), cv=3), cv=3,
        ).fit(X, y, treatment=t)
    assert search.best_params_ == {"final_model__alpha": 1e-2}
