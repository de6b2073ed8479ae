"""The one table of default models and the model-parameter constraints.

The ground floor of the package: :class:`causaldist.base.BaseCausalEstimator`
reads it for its parameter constraints and for the default of a model
parameter left at ``None``, and the cross-fitting stage
(:mod:`causaldist.model_selection`) for the models it fits. A model parameter
names a role of :data:`DEFAULT_MODELS` in its class's ``_default_models``.
"""

import numpy as np
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.utils._param_validation import HasMethods

__all__ = ["AUTO_CANDIDATES", "CLASSIFIER", "DEFAULT_MODELS", "REGRESSOR", "model_constraint"]


def _outcome(random_state):
    # No early stopping: its validation split is random, and a deterministic
    # nuisance keeps cached results and peer comparisons like for like.
    return HistGradientBoostingRegressor(early_stopping=False, random_state=random_state)


def _final(random_state):
    # Shallow trees: pseudo-outcomes are noisy and the CATE is usually simpler
    # than the outcome surface.
    return HistGradientBoostingRegressor(
        max_depth=3, early_stopping=False, random_state=random_state
    )


def _final_classifier(random_state):
    # The final stage of a classification reduction (ClassTransformation's
    # transformed label): shallow for the same reason as ``_final``.
    return HistGradientBoostingClassifier(
        max_depth=3, early_stopping=False, random_state=random_state
    )


def _outcome_classifier(random_state):
    # A 0/1 outcome (TwoModelUplift): probabilities stay in [0, 1], and the
    # log-loss fits the response rates better than squared error at low rates.
    return HistGradientBoostingClassifier(early_stopping=False, random_state=random_state)


def _propensity(random_state):
    # Standardised inputs: an unscaled lbfgs fit stops short of convergence on
    # data with income-like columns (NSW, NHEFS) and warns.
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _quantile_outcome(random_state):
    # Multi-output (one output per quantile level), smooth in x, cheap: three
    # times lower RMSE than a plain Ridge at the same cost
    # (benchmarks/results/distributional_outcome_models.md).
    return make_pipeline(SplineTransformer(n_knots=5, degree=3), Ridge(alpha=1.0))


_ALPHAS = np.logspace(-3, 3, 7)


def _splines():
    # Additive cubic splines: smooth nonlinear nuisances at a penalised
    # linear model's variance; linear extrapolation past the training range
    # (a test fold's edge rows) instead of a constant.
    return SplineTransformer(n_knots=5, degree=3, extrapolation="linear")


def _auto_regression(random_state):
    # model_selection.AutoModel picks one by held-out loss on each fold's
    # training rows: a linear model where the nuisance is close to linear and
    # n is small (HistGradientBoosting's regularisation bias reaches a DML
    # final stage there: issue 26), splines where it is smooth, boosting else.
    return [
        make_pipeline(StandardScaler(), RidgeCV(alphas=_ALPHAS)),
        make_pipeline(StandardScaler(), _splines(), RidgeCV(alphas=_ALPHAS)),
        _outcome(random_state),
    ]


def _auto_classification(random_state):
    # No boosting: the single-model default is the logistic regression, and a
    # boosted classifier would more than double the cost of "auto" (issue 26
    # caps it at 2x); splines give the propensity its nonlinearity.
    return [
        _propensity(random_state),
        make_pipeline(StandardScaler(), _splines(), LogisticRegression(max_iter=1000)),
    ]


# Candidates of a model parameter left at "auto": role -> factory(random_state)
# returning a list of unfitted models.
AUTO_CANDIDATES = {
    "outcome": _auto_regression,
    "treatment": _auto_regression,
    "propensity": _auto_classification,
}

# The one table of default models: role -> factory(random_state). Estimators
# map their model parameters onto these roles in ``_default_models``.
DEFAULT_MODELS = {
    "outcome": _outcome,
    "outcome_classifier": _outcome_classifier,
    "final": _final,
    "final_classifier": _final_classifier,
    "propensity": _propensity,
    "quantile_outcome": _quantile_outcome,
    # E[T | X] of a continuous treatment (DML): the outcome regressor's settings.
    "treatment": _outcome,
}

REGRESSOR = [HasMethods(["fit", "predict"]), None]
CLASSIFIER = [HasMethods(["fit", "predict_proba"]), None]

# Roles whose models must give class probabilities.
_CLASSIFIER_ROLES = {"propensity", "final_classifier"}


def model_constraint(role):
    """The parameter constraint of a model parameter with default role ``role``."""
    return CLASSIFIER if role in _CLASSIFIER_ROLES else REGRESSOR


def _resolve_model(owner, param):
    """``owner.<param>``, or a new default for its role when it is None."""
    model = getattr(owner, param)
    return _default_for(owner, param) if model is None else model


def _default_for(owner, param, role=None):
    """A new default model of ``owner``'s parameter ``param``.

    The role comes from ``owner._default_models`` (or ``role``, for an owner
    whose default depends on the data) and the factory from
    ``DEFAULT_MODELS``, seeded with ``owner.random_state`` where there is one.
    """
    random_state = getattr(owner, "random_state", None)
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    role = owner._default_models[param] if role is None else role
    return DEFAULT_MODELS[role](random_state)
