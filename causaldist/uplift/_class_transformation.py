"""Class transformation (class variable transformation) for binary outcomes."""

import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils._param_validation import HasMethods

from ..metalearners._base import _MetaLearner, fit_model, or_default
from ._base import check_binary_outcome, positive_proba

__all__ = ["ClassTransformation"]

# Treated shares outside this range get the imbalance warning.
_BALANCED = (0.4, 0.6)


def default_classifier():
    # Deterministic (no early-stopping split), like the default outcome models.
    return HistGradientBoostingClassifier(early_stopping=False)


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


class ClassTransformation(_MetaLearner):
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
    estimator : classifier, default=None
        Classifier of ``z`` with ``predict_proba``. ``None`` means
        ``HistGradientBoostingClassifier(early_stopping=False)``.
    control : label, default=None
        Control arm; ``None`` means the smallest treatment label. The other
        label is the treated arm (two arms only).

    Attributes
    ----------
    estimator_ : classifier
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
    >>> est = ClassTransformation(LogisticRegression()).fit(X, y, treatment=t)
    >>> est.predict(X[:3]).shape
    (3,)
    """

    _default_models = {"estimator": default_classifier}

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
    }

    def __init__(self, estimator=None, *, control=None):
        self.estimator = estimator
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None):
        """Fit the classifier of the transformed label.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Binary outcome coded 0/1.
        treatment : array-like of shape (n_samples,)
            Two arms, any labels; requested through metadata routing by default.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the classifier's ``fit`` and used in the treated share.

        Returns
        -------
        self : ClassTransformation
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        if len(self.categories_) != 2:
            raise ValueError(
                "treatment must have exactly two arms for ClassTransformation; got "
                f"{len(self.categories_)}: {self.categories_.tolist()}."
            )
        check_binary_outcome(y, what="ClassTransformation")
        w = np.ones(len(t)) if sample_weight is None else sample_weight
        self.treated_share_ = float(w @ t / w.sum())
        lo, hi = _BALANCED
        if not lo <= self.treated_share_ <= hi:
            warnings.warn(
                f"ClassTransformation assumes a randomised trial with balanced "
                f"arms, but the treated share is {self.treated_share_:.3f} (outside "
                f"[{lo}, {hi}]): 2 P(z = 1 | x) - 1 is then not the uplift. "
                "Balance the arms with sample_weight, or use TransformedOutcome.",
                UserWarning,
                stacklevel=3,
            )
        z = transformed_class(y, t)
        model = or_default(self.estimator, default_classifier)
        self.estimator_ = fit_model(model, X, z, sample_weight)
        return self

    def _cate(self, X):
        return (2.0 * positive_proba(self.estimator_, X, 1) - 1.0)[:, None]
