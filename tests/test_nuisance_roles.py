"""A classifier where a regressor is needed (or the reverse) is an error naming discrete_treatment."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from causaldist.dml import DML, LinearDML
from causaldist.forest import CausalForest
from causaldist.metalearners import DRLearner
from causaldist.model_selection import cross_fit, make_folds


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    t = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])))
    y = t + X[:, 0] + rng.normal(size=n)
    return X, y, t


@pytest.mark.parametrize(
    "model", [LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression())]
)
@pytest.mark.parametrize("Est", [LinearDML, DML])
def test_classifier_as_continuous_treatment_model_raises(Est, model):
    # Before: the classifier's 0/1 labels were used as E[T | X] (LinearDML
    # effect 0.65 for a true 1.00), with no warning.
    X, y, t = _data()
    est = Est(outcome_model=LinearRegression(), treatment_model=model, cv=2)
    with pytest.raises(ValueError, match="treatment_model is a classifier.*discrete_treatment"):
        est.fit(X, y, treatment=t)


def test_classifier_with_discrete_treatment_is_used_for_probabilities():
    X, y, t = _data(n=2000)
    est = LinearDML(outcome_model=LinearRegression(), treatment_model=LogisticRegression(),
                    discrete_treatment=True, cv=3, random_state=0).fit(X, y, treatment=t)
    assert abs(float(np.mean(est.effect(X))) - 1.0) < 0.15


@pytest.mark.parametrize("Est", [LinearDML, CausalForest])
def test_regressor_as_discrete_treatment_model_raises(Est):
    X, y, t = _data()
    param = "treatment_model" if Est is LinearDML else "propensity_model"
    est = Est(**{param: make_pipeline(StandardScaler(), LinearRegression())},
              discrete_treatment=True, cv=2)
    if Est is CausalForest:
        # Its constraint already asks for predict_proba.
        with pytest.raises((ValueError, TypeError)):
            est.fit(X, y, treatment=t)
        return
    with pytest.raises(ValueError, match="treatment_model is a regressor.*discrete_treatment"):
        est.fit(X, y, treatment=t)


def test_classifier_outcome_on_continuous_y_raises():
    X, y, t = _data()
    with pytest.raises(ValueError, match="outcome_model is a classifier"):
        LinearDML(outcome_model=LogisticRegression(), treatment_model=LinearRegression(),
                  cv=2).fit(X, y, treatment=t)
    with pytest.raises(ValueError, match="outcome_model is a classifier"):
        cross_fit(X, y, t, folds=make_folds(2, t), outcome_model=LogisticRegression())


def test_classifier_outcome_on_binary_y_is_allowed():
    X, _, t = _data()
    yb = (X[:, 1] > 0).astype(float)
    DRLearner(outcome_model=LogisticRegression(), cv=2).fit(X, yb, treatment=t)


def test_cross_fit_checks_roles():
    X, y, t = _data()
    with pytest.raises(ValueError, match="discrete_treatment"):
        cross_fit(X, y, t.astype(float), folds=make_folds(2, t),
                  treatment_model=LogisticRegression())


def test_string_labels_with_continuous_treatment_raise():
    X, y, t = _data()
    labels = np.where(t == 1, "drug", "placebo")
    with pytest.raises(ValueError, match="discrete_treatment=True"):
        LinearDML(cv=2).fit(X, y, treatment=labels)


def test_boolean_treatment_with_continuous_treatment_warns():
    X, y, t = _data()
    with pytest.warns(UserWarning, match="boolean.*discrete_treatment"):
        LinearDML(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                  cv=2).fit(X, y, treatment=t.astype(bool))
