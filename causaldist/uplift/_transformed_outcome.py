"""Transformed-outcome (inverse-propensity) uplift regression."""

import numpy as np

from ..base import BaseCausalEstimator, CATEMixin, _fit_model
from ..model_selection._mixin import _CrossFitMixin, _fill_cross_fit_doc

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


@_fill_cross_fit_doc
class TransformedOutcome(_CrossFitMixin, CATEMixin, BaseCausalEstimator):
    """Uplift as the regression of an inverse-propensity transformed outcome.

    The regressor learns ``z = y (t - e(x)) / (e(x) (1 - e(x)))``, whose
    conditional mean is the uplift (Athey & Imbens 2015; scikit-uplift's
    ``ClassTransformationReg``), for continuous or binary ``y``. With more
    than two arms one regressor per treated arm learns
    ``y (1{t = a} / e_a(x) - 1{t = 0} / e_0(x))``.

    The propensity ``e`` is known (a randomised trial: ``propensity=`` passed
    to ``fit``, a scalar such as 0.5 or one value per unit) or cross-fitted
    on the shared folds by ``propensity_model``, so that no unit's ``z`` uses
    a propensity fitted on itself. The transformed outcome is unbiased but
    noisy (its variance grows like ``1 / (e (1 - e))``); a doubly robust
    pseudo-outcome (:class:`causaldist.metalearners.DRLearner`) is its
    lower-variance counterpart.

    Parameters
    ----------
    final_model : regressor, default=None
        Regressor of ``z`` on ``X``, one clone per treated arm. ``None`` means
        ``HistGradientBoostingRegressor(max_depth=3, early_stopping=False)``.
        Tunable as ``final_model__<param>``.
    propensity_model : classifier, default=None
        Cross-fitted ``e_a(x)`` when no propensity is passed to fit. ``None``
        means ``StandardScaler`` + ``LogisticRegression``.
    {cross_fit}

    Attributes
    ----------
    final_models_ : list of regressors
        One fitted regressor per treated arm ``categories_[1:]``.
    pseudo_outcomes_ : ndarray of shape (n_samples, n_arms - 1)
        The regressed transformed outcomes ``z``.
    nuisances_ : Nuisances
        The training units' propensities (``nuisances_.propensity``: known,
        or out-of-fold) and the fitted propensity models.
    overlap_ : DataFrame
        Per-arm overlap report (warns when the effective sample is small).
    folds_ : list of (train, test) or None
        ``None`` with known propensities.
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
    >>> est = TransformedOutcome(final_model=LinearRegression())
    >>> uplift = est.fit(X, y, treatment=t, propensity=0.5).predict(X)
    >>> bool(abs(uplift.mean() - tau.mean()) < 0.3)
    True
    """

    _default_models = {"final_model": "final", "propensity_model": "propensity"}


    def __init__(
        self, *, final_model=None, propensity_model=None, cv=5, n_jobs=None,
        memory=None, min_propensity=1e-3, random_state=None, verbose=0, control=None,
    ):
        self.final_model = final_model
        self.propensity_model = propensity_model
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.min_propensity = min_propensity
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _fit(self, X, y, t, sample_weight, groups=None, propensity=None):
        nuis = self._cross_fit(
            X, y, t, sample_weight, groups=groups, propensity=propensity,
            propensity_model=True,
        )
        z = transformed_outcome(y, t, nuis.propensity)
        final = self._model("final_model")
        self.final_models_ = [
            _fit_model(final, X, z[:, k], sample_weight) for k in range(z.shape[1])
        ]
        self.pseudo_outcomes_ = z
        return self

    def _cate(self, X):
        return np.column_stack([m.predict(X) for m in self.final_models_])
