"""Two-model uplift: a treated minus a control outcome model, optionally DDR."""

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ..base import BaseCausalEstimator, CATEMixin, _fit_model
from ..model_selection._scorers import _RefitScoringMixin
from ..model_selection._crossfit import _predict_outcome
from .._defaults import _default_for

__all__ = ["TwoModelUplift"]


class TwoModelUplift(_RefitScoringMixin, CATEMixin, BaseCausalEstimator):
    """Two-model uplift: the difference of a treated and a control outcome model.

    ``uplift_a(x) = mu_a(x) - mu_0(x)``, each ``mu`` fitted on its own arm's
    units only (the "two models" or "difference score" approach). A
    regressor's ``mu(x)`` is ``predict``; a classifier's is
    ``E[Y | x] = sum_c c P(c | x)`` (``P(y = 1 | x)`` for a 0/1 outcome,
    also when an arm saw one class only).

    The dependent data representation (Betlei, Diemert & Amini 2018, "Uplift
    prediction with dependent feature representation in imbalanced treatment
    and control conditions") fits one model first and gives its prediction
    to the other as an extra last feature:

    - ``method="ddr_control"``: ``mu_0`` on the control units, then
      ``mu_a`` on ``[x, mu_0(x)]``; ``uplift_a(x) = mu_a(x, mu_0(x)) - mu_0(x)``;
    - ``method="ddr_treatment"``: ``mu_a`` on arm ``a``, then a control model
      on ``[x, mu_a(x)]``, one per treated arm;
      ``uplift_a(x) = mu_a(x) - mu_0(x, mu_a(x))``.

    These are scikit-uplift's ``TwoModels`` methods, extended to several
    treated arms (one treated model per arm, like the meta-learners). With
    ``method="vanilla"`` and one regressor for both arms this is exactly
    :class:`causaldist.metalearners.TLearner`; it differs in allowing a
    separate model per side, classifiers and the DDR methods. The treatment
    must be a set of discrete arms (a continuous one raises).

    Parameters
    ----------
    treatment_model : regressor or classifier, default=None
        Outcome model of the treated arms, cloned for every treated arm.
        ``None`` means ``HistGradientBoostingClassifier(early_stopping=False)``
        when every outcome is 0 or 1 (the uplift is then a difference of
        response probabilities), else
        ``HistGradientBoostingRegressor(early_stopping=False)``.
    control_model : regressor or classifier, default=None
        Outcome model of the control arm; ``None`` as for ``treatment_model``.
    method : {"vanilla", "ddr_control", "ddr_treatment"}, default="vanilla"
        Independent models, or which side is fitted first and feeds the other.
    random_state : int, RandomState instance or None, default=None
        Seed of the default models.
    control : label, default=None
        Control arm; ``None`` means 0/False or an arm named "control", else
        the smallest label with a warning.

    Attributes
    ----------
    treatment_models_ : list of estimators
        One fitted model per treated arm ``categories_[1:]``.
    control_models_ : list of estimators
        The fitted control model (a list of one), or with
        ``method="ddr_treatment"`` one per treated arm.
    categories_ : ndarray of shape (n_arms,)
        Treatment labels, control first.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    causaldist.metalearners.TLearner : one model class for every arm.
    ClassTransformation : one classifier on a transformed binary label.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.uplift import TwoModelUplift
    >>> X, y, t, tau = make_heterogeneous(n_samples=500, design="rct", random_state=0)
    >>> est = TwoModelUplift(
    ...     treatment_model=LinearRegression(), control_model=LinearRegression(),
    ...     method="ddr_control",
    ... )
    >>> est.fit(X, y, treatment=t).predict(X).shape
    (500,)
    """

    _default_models = {"treatment_model": "outcome", "control_model": "outcome"}

    _parameter_constraints: dict = {
        "method": [StrOptions({"vanilla", "ddr_control", "ddr_treatment"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, treatment_model=None, control_model=None, method="vanilla",
        random_state=None, control=None,
    ):
        self.treatment_model = treatment_model
        self.control_model = control_model
        self.method = method
        self.random_state = random_state
        self.control = control

    def _models_seeing_X(self):
        return [self._model("treatment_model"), self._model("control_model")]

    def _outcome_model(self, param, binary):
        if binary and getattr(self, param) is None:
            return _default_for(self, param, role="outcome_classifier")
        return self._model(param)

    def _fit(self, X, y, t, sample_weight):
        binary = y.ndim == 1 and bool(np.all((y == 0) | (y == 1)))
        treated = self._outcome_model("treatment_model", binary)
        ctrl = self._outcome_model("control_model", binary)

        def fit(model, a, first=None):
            idx = t == a
            X_a = X[idx]
            if first is not None:  # the dependent representation's extra feature
                X_a = np.column_stack([X_a, _predict_outcome(first, X_a)])
            sw = None if sample_weight is None else sample_weight[idx]
            return _fit_model(model, X_a, y[idx], sw)

        arms = range(1, len(self.categories_))
        if self.method == "ddr_treatment":
            self.treatment_models_ = [fit(treated, a) for a in arms]
            self.control_models_ = [fit(ctrl, 0, m) for m in self.treatment_models_]
            return self
        self.control_models_ = [fit(ctrl, 0)]
        first = self.control_models_[0] if self.method == "ddr_control" else None
        self.treatment_models_ = [fit(treated, a, first) for a in arms]
        return self

    def _cate(self, X):
        if self.method == "ddr_treatment":
            cols = []
            for m1, m0 in zip(self.treatment_models_, self.control_models_):
                mu1 = _predict_outcome(m1, X)
                cols.append(mu1 - _predict_outcome(m0, np.column_stack([X, mu1])))
            return np.column_stack(cols)
        mu0 = _predict_outcome(self.control_models_[0], X)
        X_t = np.column_stack([X, mu0]) if self.method == "ddr_control" else X
        mu = np.column_stack([_predict_outcome(m, X_t) for m in self.treatment_models_])
        return mu - mu0[:, None]
