"""AutoModel and the "auto" nuisance defaults of the DML family (issue 26 item 1)."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LassoCV, LinearRegression, LogisticRegression, RidgeCV

from causaldist.dml import DML, LinearDML, SparseLinearDML
from causaldist.model_selection import AutoModel


def _design(n=600, seed=0, linear=True):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])))
    base = X[:, 0] + X[:, 1] if linear else np.sign(X[:, 0]) * 3 + (X[:, 1] > 0) * 2
    return X, base + t + rng.normal(size=n), t


def test_auto_model_picks_by_holdout_loss():
    X, y, _ = _design(linear=True)
    m = AutoModel([RidgeCV(), HistGradientBoostingRegressor()], random_state=0).fit(X, y)
    assert m.selected_ == "RidgeCV" and m.scores_["RidgeCV"] < m.scores_[
        "HistGradientBoostingRegressor"]
    X, y, _ = _design(n=3000, linear=False)
    m = AutoModel([RidgeCV(), HistGradientBoostingRegressor()], random_state=0).fit(X, y)
    assert m.selected_ == "HistGradientBoostingRegressor"
    assert m.predict(X).shape == (3000,)


def test_auto_model_kind_and_clone():
    reg = AutoModel([RidgeCV(), LinearRegression()])
    clf = AutoModel([LogisticRegression()])
    assert is_regressor(reg) and not is_classifier(reg)
    assert is_classifier(clf)
    assert clone(reg).get_params()["candidates"][0] is not reg.candidates[0]
    X, _, t = _design()
    assert clf.fit(X, t).predict_proba(X).shape == (600, 2)
    with pytest.raises(ValueError, match="all classifiers or all regressors"):
        AutoModel([RidgeCV(), LogisticRegression()]).fit(X, t)


def test_auto_model_skips_candidates_without_nan_support():
    X, y, _ = _design()
    X[::10, 0] = np.nan
    m = AutoModel([RidgeCV(), HistGradientBoostingRegressor()], random_state=0).fit(X, y)
    assert m.selected_ == "HistGradientBoostingRegressor" and m.scores_["RidgeCV"] == np.inf


@pytest.mark.parametrize("Est", [DML, LinearDML, SparseLinearDML])
def test_dml_defaults_choose_per_fold_on_training_rows(Est):
    X, y, t = _design()
    est = Est(discrete_treatment=True, cv=3, random_state=0).fit(X, y, treatment=t)
    sel = est.nuisance_selection_
    assert set(sel) == {"outcome_model", "treatment_model"}
    assert all(len(v) == 3 for v in sel.values())
    # Linear nuisances: never the boosted model.
    assert "HistGradientBoostingRegressor" not in sel["outcome_model"]
    # Every fold's selection saw that fold's training rows only.
    for (train, _), model in zip(est.folds_, est.nuisances_.models["marginal"]):
        assert isinstance(model, AutoModel)
        assert model.best_estimator_.n_features_in_ == 3
    assert isinstance(est.get_params()["outcome_model"], str)


class _Recording(LinearRegression):
    def fit(self, X, y, sample_weight=None):
        self.rows_ = np.asarray(X).shape[0]
        return super().fit(X, y, sample_weight=sample_weight)


def test_candidates_never_see_the_held_out_fold():
    X, y, t = _design()
    est = LinearDML(outcome_model=[_Recording(), RidgeCV()], treatment_model=LinearRegression(),
                    cv=3, random_state=0).fit(X, y, treatment=t.astype(float))
    for (train, _), model in zip(est.folds_, est.nuisances_.models["marginal"]):
        if model.selected_ == "_Recording":
            assert model.best_estimator_.rows_ == len(train)


def test_auto_matches_explicit_candidate_list_and_none():
    X, y, t = _design()
    a = LinearDML(random_state=0, cv=3).fit(X, y, treatment=t.astype(float))
    b = LinearDML(outcome_model=None, treatment_model=None, random_state=0,
                  cv=3).fit(X, y, treatment=t.astype(float))
    np.testing.assert_allclose(a.coef_, b.coef_)
    c = LinearDML(outcome_model=[RidgeCV(), LassoCV()], treatment_model=LinearRegression(),
                  random_state=0, cv=3).fit(X, y, treatment=t.astype(float))
    assert set(c.nuisance_selection_["outcome_model"]) <= {"RidgeCV", "LassoCV"}
    assert "treatment_model" not in c.nuisance_selection_


def test_auto_verbose_line(capsys):
    X, y, t = _design()
    LinearDML(discrete_treatment=True, cv=2, random_state=0, verbose=1).fit(X, y, treatment=t)
    out = capsys.readouterr().out
    assert "outcome_model chosen by held-out loss" in out
    assert "treatment_model chosen by held-out loss" in out


def test_auto_with_classifier_list_checks_roles():
    X, y, t = _design()
    with pytest.raises(ValueError, match="discrete_treatment"):
        LinearDML(treatment_model=[LogisticRegression()], cv=2).fit(X, y, treatment=t)
