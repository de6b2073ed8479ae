"""Class transformation (class variable transformation) for binary outcomes."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _fit_model, _warn
from ..model_selection._scorers import _RefitScoringMixin

__all__ = ["ClassTransformation"]

# Treated shares outside this range get the imbalance warning.
_BALANCED = (0.4, 0.6)


def transformed_class(y, t):
    """The transformed label ``z = y t + (1 - y)(1 - t)``.

    ``z = 1`` for treated responders and untreated non-responders. In a
    randomised trial with ``P(T = 1) = 1/2`` and ``T`` independent of ``X``,
    ``P(z = 1 | x) = (1 + p_1(x) - p_0(x)) / 2``, so the uplift is
    ``p_1(x) - p_0(x) = 2 P(z = 1 | x) - 1`` (Jaskowski & Jaroszewicz 2012,
    "Uplift modeling for clinical trial data").

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Binary outcome, 0/1.
    t : ndarray of shape (n_samples,)
        Binary treatment codes, 1 = treated.

    Returns
    -------
    z : ndarray of shape (n_samples,) of int
    """
    return (y == t).astype(np.int64)


class ClassTransformation(_RefitScoringMixin, CATEMixin, BaseCausalEstimator):
    """Uplift of a binary outcome from one classifier of a transformed label.

    The classifier learns ``z = y t + (1 - y)(1 - t)`` and the uplift is
    ``2 P(z = 1 | x) - 1`` (Jaskowski & Jaroszewicz 2012, "Uplift modeling
    for clinical trial data"; scikit-uplift's ``ClassTransformation``).

    The identity needs a randomised trial with treatment and control in equal
    shares: ``fit`` warns when the (weighted) treated share is outside
    ``[0.4, 0.6]``. Weighting the arms to equal totals through
    ``sample_weight`` (treated ``0.5 / p``, control ``0.5 / (1 - p)``)
    restores the identity for any trial share ``p``. In observational data
    use :class:`TransformedOutcome` or a meta-learner instead.

    Parameters
    ----------
    final_model : classifier, default=None
        Classifier of ``z`` with ``predict_proba``, the effect model. ``None``
        means ``HistGradientBoostingClassifier(max_depth=3,
        early_stopping=False)``. Tunable as ``final_model__<param>``.
    random_state : int, RandomState instance or None, default=None
        Seed of the default model.
    control : label, default=None
        Control arm; ``None`` means 0/False or an arm named "control", else
        the smallest label with a warning. The other label is the treated
        arm (two arms only).

    Attributes
    ----------
    final_model_ : classifier
        The fitted classifier of ``z``.
    treated_share_ : float
        (Weighted) share of treated units in the training data.
    categories_ : ndarray of shape (2,)
        Treatment labels, control first.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    TransformedOutcome : regression on an inverse-propensity transformed
        outcome, for any propensity.
    TwoModelUplift : one model per arm.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from causaldist.uplift import ClassTransformation
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3))
    >>> t = rng.integers(0, 2, size=1000)
    >>> y = (rng.random(1000) < 0.3 + 0.2 * t * (X[:, 0] > 0)).astype(int)
    >>> est = ClassTransformation(final_model=LogisticRegression())
    >>> est.fit(X, y, treatment=t).predict(X[:3]).shape
    (3,)
    """

    _default_models = {"final_model": "final_classifier"}

    # y must be 0/1 (read by the causal check suite to make its data).
    _binary_outcome = True

    _parameter_constraints: dict = {
        "random_state": ["random_state"],
    }

    def __init__(self, *, final_model=None, random_state=None, control=None):
        self.final_model = final_model
        self.random_state = random_state
        self.control = control

    def _models_seeing_X(self):
        return [self._model("final_model")]

    def _fit(self, X, y, t, sample_weight):
        if len(self.categories_) != 2:
            raise ValueError(
                "treatment must have exactly two arms for ClassTransformation; got "
                f"{len(self.categories_)}: {self.categories_.tolist()}."
            )
        if not np.all((y == 0) | (y == 1)):
            values = np.unique(y)
            shown = values[:5].tolist() + (["..."] if values.size > 5 else [])
            raise ValueError(
                "y must be a binary outcome coded 0/1 for ClassTransformation; got "
                f"the values {shown}."
            )
        w = np.ones(len(t)) if sample_weight is None else sample_weight
        self.treated_share_ = float(w @ t / w.sum())
        lo, hi = _BALANCED
        if not lo <= self.treated_share_ <= hi:
            _warn(
                f"ClassTransformation assumes a randomised trial with balanced "
                f"arms, but the treated share is {self.treated_share_:.3f} (outside "
                f"[{lo}, {hi}]): 2 P(z = 1 | x) - 1 is then not the uplift. "
                "Balance the arms with sample_weight, or use TransformedOutcome."
            )
        z = transformed_class(y, t)
        self.final_model_ = _fit_model(self._model("final_model"), X, z, sample_weight)
        return self

    def _cate(self, X):
        # P(z = 1 | x) looked up in classes_: a model that saw one class only
        # has a single column.
        model = self.final_model_
        p1 = model.predict_proba(X) @ (np.asarray(model.classes_) == 1)
        return (2.0 * p1 - 1.0)[:, None]
