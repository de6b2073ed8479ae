"""Two-model uplift: a treated minus a control outcome model, optionally DDR."""

import numpy as np
from sklearn.base import _fit_context, is_classifier
from sklearn.utils._param_validation import StrOptions

from ..metalearners._base import (
    _REGRESSOR,
    _MetaLearner,
    default_outcome_model,
    fit_model,
    or_default,
)
from ._base import predict_outcome

__all__ = ["TwoModelUplift"]


class TwoModelUplift(_MetaLearner):
    """Two-model uplift: the difference of a treated and a control outcome model.

    ``uplift_a(x) = mu_a(x) - mu_0(x)``, each ``mu`` fitted on its own arm's
    units only (the "two models" or "difference score" approach). With a
    classifier ``mu(x) = P(y = 1 | x)`` (``predict_proba[:, 1]``, the larger
    of the two outcome values), with a regressor ``mu(x)`` is ``predict``.

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
    separate model per side, classifiers and the DDR methods.

    Parameters
    ----------
    treatment_model : regressor or classifier, default=None
        Outcome model of the treated arms, cloned for every treated arm.
        ``None`` means ``HistGradientBoostingRegressor(early_stopping=False)``.
    control_model : regressor or classifier, default=None
        Outcome model of the control arm; ``None`` as for ``treatment_model``.
    method : {"vanilla", "ddr_control", "ddr_treatment"}, default="vanilla"
        Independent models, or which side is fitted first and feeds the other.
    control : label, default=None
        Control arm; ``None`` means the smallest treatment label.

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
    ...     LinearRegression(), LinearRegression(), method="ddr_control"
    ... )
    >>> uplift = est.fit(X, y, treatment=t).predict(X)
    >>> uplift.shape
    (500,)
    """

    _default_models = {
        "treatment_model": default_outcome_model,
        "control_model": default_outcome_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        "treatment_model": _REGRESSOR,
        "control_model": _REGRESSOR,
        "method": [StrOptions({"vanilla", "ddr_control", "ddr_treatment"})],
    }

    def __init__(
        self,
        treatment_model=None,
        control_model=None,
        *,
        method="vanilla",
        control=None,
    ):
        self.treatment_model = treatment_model
        self.control_model = control_model
        self.method = method
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Fit the control model and one treated model per treated arm.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Outcomes; binary (0/1 or two numeric values) with classifiers.
        treatment : array-like of shape (n_samples,)
            Any labels; requested through metadata routing by default.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every model's ``fit``.

        Returns
        -------
        self : TwoModelUplift
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        treated = or_default(self.treatment_model, default_outcome_model)
        ctrl = or_default(self.control_model, default_outcome_model)
        if is_classifier(treated) or is_classifier(ctrl):
            values = np.unique(y)
            if values.size > 2:
                raise ValueError(
                    "y must be binary when treatment_model or control_model is a "
                    f"classifier (its predict_proba[:, 1] is the outcome); got "
                    f"{values.size} distinct values."
                )
        # The positive class is the larger outcome value, predict_proba[:, 1].
        self._positive = float(y.max())

        def part(a):
            idx = np.flatnonzero(t == a)
            return idx, None if sample_weight is None else sample_weight[idx]

        def with_pred(X_rows, model):
            # The dependent representation: the first model's prediction as
            # the last feature of the second.
            return np.column_stack(
                [X_rows, predict_outcome(model, X_rows, self._positive)]
            )

        i0, w0 = part(0)
        arms = range(1, len(self.categories_))
        if self.method == "ddr_treatment":
            self.treatment_models_, self.control_models_ = [], []
            for a in arms:
                ia, wa = part(a)
                first = fit_model(treated, X[ia], y[ia], wa)
                self.treatment_models_.append(first)
                self.control_models_.append(
                    fit_model(ctrl, with_pred(X[i0], first), y[i0], w0)
                )
            return self
        first = fit_model(ctrl, X[i0], y[i0], w0)
        self.control_models_ = [first]
        self.treatment_models_ = []
        for a in arms:
            ia, wa = part(a)
            X_a = with_pred(X[ia], first) if self.method == "ddr_control" else X[ia]
            self.treatment_models_.append(fit_model(treated, X_a, y[ia], wa))
        return self

    def _cate(self, X):
        pos = self._positive
        if self.method == "ddr_treatment":
            cols = []
            for m1, m0 in zip(self.treatment_models_, self.control_models_):
                mu1 = predict_outcome(m1, X, pos)
                cols.append(mu1 - predict_outcome(m0, np.column_stack([X, mu1]), pos))
            return np.column_stack(cols)
        mu0 = predict_outcome(self.control_models_[0], X, pos)
        X_t = np.column_stack([X, mu0]) if self.method == "ddr_control" else X
        mu = np.column_stack(
            [predict_outcome(m, X_t, pos) for m in self.treatment_models_]
        )
        return mu - mu0[:, None]
