"""Transformed-outcome (inverse-propensity) uplift regression."""

from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ..evaluation._base import _check_known_propensity
from ..metalearners._base import (
    _CLASSIFIER,
    _REGRESSOR,
    CROSS_FIT_CONSTRAINTS,
    _MetaLearner,
    default_final_model,
    default_propensity_model,
    fit_model,
    or_default,
)

__all__ = ["TransformedOutcome"]


def transformed_outcome(y, t, propensity):
    """Inverse-propensity transformed outcomes of every treated arm.

    With two arms and ``e(x) = P(T = 1 | x)``,
    ``z = y (t - e(x)) / (e(x) (1 - e(x)))``, whose conditional mean is the
    uplift: ``E[z | x] = E[Y(1) - Y(0) | x]`` under unconfoundedness
    (Athey & Imbens 2015, "Machine learning methods for estimating
    heterogeneous causal effects"; Athey & Imbens 2016, PNAS). With arms
    ``0..K-1`` the column of arm ``a`` is
    ``z_a = y (1{t = a} / e_a(x) - 1{t = 0} / e_0(x))``, which is the formula
    above for ``K = 2``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    t : ndarray of shape (n_samples,)
        Integer treatment codes, 0 = control.
    propensity : ndarray of shape (n_samples, n_arms)
        ``e_a(x)`` for every arm, strictly positive for the arm received.

    Returns
    -------
    z : ndarray of shape (n_samples, n_arms - 1)
    """
    n, n_arms = propensity.shape
    rows = np.arange(n)
    ipw = np.zeros((n, n_arms))
    ipw[rows, t] = y / propensity[rows, t]
    return ipw[:, 1:] - ipw[:, [0]]


class TransformedOutcome(_MetaLearner):
    """Uplift as the regression of an inverse-propensity transformed outcome.

    The regressor learns ``z = y (t - e(x)) / (e(x) (1 - e(x)))``, whose
    conditional mean is the uplift (Athey & Imbens 2015; scikit-uplift's
    ``ClassTransformationReg``), for continuous or binary ``y``. With more
    than two arms one regressor per treated arm learns
    ``y (1{t = a} / e_a(x) - 1{t = 0} / e_0(x))``.

    The propensity ``e`` is known (a randomised trial: the ``propensity``
    parameter, or per-unit ``propensity=`` passed to ``fit``) or cross-fitted
    on the shared folds by ``propensity_model``, so that no unit's ``z`` uses
    a propensity fitted on itself. The transformed outcome is unbiased but
    noisy (its variance grows like ``1 / (e (1 - e))``); a doubly robust
    pseudo-outcome (:class:`causaldist.metalearners.DRLearner`) is its
    lower-variance counterpart.

    Parameters
    ----------
    estimator : regressor, default=None
        Regressor of ``z`` on ``X``, one clone per treated arm. ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
    propensity : float, default=None
        Known probability of the treated arm (two arms), e.g. 0.5 in a
        balanced trial. Per-unit or K-arm propensities go to ``fit``.
    propensity_model : classifier, default=None
        Cross-fitted ``e_a(x)`` when no propensity is known. ``None`` means
        ``LogisticRegression(max_iter=1000)``.
    cv : int, cross-validation generator or iterable, default=5
        Cross-fitting folds (:func:`causaldist.model_selection.make_folds`).
    n_jobs : int, default=None
        Folds fitted in parallel with joblib.
    memory : None, str or joblib.Memory, default=None
        Cache of the cross-fitted propensities.
    min_propensity : float, default=1e-3
        Clipping of the estimated propensities (with a warning of how many
        units were clipped); known propensities are used as given.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds (``None``: unshuffled, deterministic folds).
    control : label, default=None
        Control arm; ``None`` means the smallest treatment label.

    Attributes
    ----------
    estimators_ : list of regressors
        One fitted regressor per treated arm ``categories_[1:]``.
    propensity_ : ndarray of shape (n_samples, n_arms)
        The training units' propensities (known, or out-of-fold).
    transformed_outcomes_ : ndarray of shape (n_samples, n_arms - 1)
        The regressed ``z``.
    nuisances_ : Nuisances or None
        The cross-fitting stage's output (``None`` with known propensities).
    folds_ : list of (train, test) or None
    categories_ : ndarray of shape (n_arms,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    ClassTransformation : the binary-outcome, balanced-trial special case.
    causaldist.metalearners.DRLearner : doubly robust pseudo-outcome.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.uplift import TransformedOutcome
    >>> X, y, t, tau = make_heterogeneous(n_samples=2000, design="rct", random_state=0)
    >>> est = TransformedOutcome(LinearRegression(), propensity=0.5)
    >>> uplift = est.fit(X, y, treatment=t).predict(X)
    >>> bool(abs(uplift.mean() - tau.mean()) < 0.3)
    True
    """

    __metadata_request__fit = {"treatment": True, "propensity": True}

    _default_models = {
        "estimator": default_final_model,
        "propensity_model": default_propensity_model,
    }

    _parameter_constraints: dict = {
        **_MetaLearner._parameter_constraints,
        **CROSS_FIT_CONSTRAINTS,
        "estimator": _REGRESSOR,
        "propensity": [Interval(Real, 0, 1, closed="neither"), None],
        "propensity_model": _CLASSIFIER,
    }

    def __init__(
        self,
        estimator=None,
        propensity=None,
        propensity_model=None,
        *,
        cv=5,
        n_jobs=None,
        memory=None,
        min_propensity=1e-3,
        random_state=None,
        control=None,
    ):
        self.estimator = estimator
        self.propensity = propensity
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.control = control

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, treatment=None, *, sample_weight=None, propensity=None):
        """Get the propensities, transform the outcome and regress it on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        treatment : array-like of shape (n_samples,)
            Any labels; requested through metadata routing by default.
        sample_weight : array-like of shape (n_samples,), default=None
            Used by the propensity model and the regressors.
        propensity : float or array-like, default=None
            Known propensities, strictly inside (0, 1): with two arms a scalar
            or an ``(n_samples,)`` array of the probability of the treated arm
            ``categories_[1]``; with any number of arms a matrix of shape
            ``(n_samples, n_arms)`` or ``(1, n_arms)``, columns in
            ``categories_`` order. Requested through metadata routing by
            default, so it is split with the rows in ``GridSearchCV``.
            Not together with the ``propensity`` parameter.

        Returns
        -------
        self : TransformedOutcome
        """
        X, y, t, sample_weight = self._validate_fit_data(X, y, treatment, sample_weight)
        if propensity is not None and self.propensity is not None:
            raise ValueError(
                "propensity is given both as a parameter "
                f"(propensity={self.propensity!r}) and to fit; give one."
            )
        known = self.propensity if propensity is None else propensity
        if known is not None:
            e = _check_known_propensity(known, t, len(self.categories_))
            if np.any(e <= 0) or np.any(e >= 1):
                raise ValueError(
                    "propensity must be strictly between 0 and 1 for every unit "
                    "and arm: the transformed outcome divides by it."
                )
            self.folds_ = self.nuisances_ = None
        else:
            nuis = self._cross_fit(
                X,
                y,
                t,
                sample_weight,
                propensity_model=or_default(
                    self.propensity_model, default_propensity_model
                ),
            )
            e = nuis.propensity
        z = transformed_outcome(y, t, e)
        model = or_default(self.estimator, default_final_model)
        self.estimators_ = [
            fit_model(model, X, z[:, k], sample_weight) for k in range(z.shape[1])
        ]
        self.propensity_ = e
        self.transformed_outcomes_ = z
        return self

    def _cate(self, X):
        return np.column_stack([m.predict(X) for m in self.estimators_])
