"""Honest regression forest with little-bags intervals."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..base import _atomic_fit
from ..inference import Estimate
from ..inference._estimate import _check_alpha
from ._causal_forest import (
    _FOREST_CONSTRAINTS,
    _check_forest_params,
    _fill_forest_doc,
    _forest_kwargs,
)
from ._honest_forest import grow_forest

__all__ = ["RegressionForest"]


@_fill_forest_doc
class RegressionForest(RegressorMixin, BaseEstimator):
    """Honest random forest for ``E[Y | X = x]`` with pointwise intervals.

    grf's ``regression_forest`` (Athey, Tibshirani & Wager 2019): trees grown
    on subsamples drawn without replacement, split on one half of each
    subsample by the CART criterion and estimated on the other (honesty),
    averaged with the forest weights ``alpha_i(x) = (1/B) sum_b 1{i in
    L_b(x)} / |L_b(x)|``. Standard errors by the bootstrap of little bags
    (trees grown in groups of ``ci_group_size`` on a shared half-sample). Any
    learner takes it as its final model: on a DR-learner's pseudo-outcomes it
    gives intervals for the CATE (:class:`ForestDRLearner`).

    Parameters
    ----------
    {forest}
    n_jobs : int, default=None
        Trees grown (and rows predicted) in parallel with joblib threads
        (the compiled kernels release the GIL).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Progress on standard output: 1 the trees grown at every tenth of
        the forest with the elapsed time, 2 every tree, 3 and more also
        joblib's own messages. The forest does not depend on it.

    Attributes
    ----------
    oob_prediction_ : ndarray of shape (n_samples,)
        Out-of-bag predictions at the training rows (NaN where every tree
        saw the row).
    feature_importances_ : ndarray of shape (n_features_in_,)
        grf's ``variable_importance``: split frequencies at depths 1-4
        weighted by ``depth^-2``.
    forest_ : object
        The trees in flat arrays.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.forest import RegressionForest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3)); y = X[:, 0] + rng.normal(size=1000)
    >>> forest = RegressionForest(n_estimators=100, random_state=0).fit(X, y)
    >>> lo, hi = forest.predict_interval(X[:2])
    >>> bool(np.all(lo < hi))
    True
    """

    _parameter_constraints: dict = {
        **_FOREST_CONSTRAINTS,
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, *, n_estimators=200, max_samples=0.5, honest=True, honesty_fraction=0.5,
        min_samples_leaf=5, max_depth=None, max_features=None, alpha=0.05,
        ci_group_size=2, max_bins=255, n_jobs=None, random_state=None, verbose=0,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.honest = honest
        self.honesty_fraction = honesty_fraction
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.max_features = max_features
        self.alpha = alpha
        self.ci_group_size = ci_group_size
        self.max_bins = max_bins
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, groups=None):
        """Grow the forest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the splitting criterion and of the leaf means.
        groups : array-like of shape (n_samples,), default=None
            Clusters: subsamples (and honest halves) are drawn by cluster.

        Returns
        -------
        self : RegressionForest
        """
        _check_forest_params(self)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        w = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not w.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (X.shape[0],):
                raise ValueError(f"groups must have one label per row ({X.shape[0]}).")
        self.forest_, self.feature_importances_, acc, cnt = grow_forest(
            X, y, np.empty((X.shape[0], 0)), w, mode=0, clusters=groups,
            random_state=self.random_state, n_jobs=self.n_jobs, **_forest_kwargs(self),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            self.oob_prediction_ = acc[:, 0] / cnt
        return self

    def predict(self, X):
        """Forest estimate of ``E[Y | X = x]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.forest_.predict(X, n_jobs=self.n_jobs)[0][:, 0]

    def predict_inference(self, X):
        """Predictions with their little-bags standard errors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        inference : Estimate
            ``value`` and ``stderr`` of shape ``(n_samples,)``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if self.ci_group_size < 2:
            raise ValueError("intervals need little bags: refit with ci_group_size >= 2.")
        est, var = self.forest_.predict(X, want_var=True, n_jobs=self.n_jobs)
        return Estimate(est[:, 0], np.sqrt(var[:, 0]), method="regression forest (little bags)")

    def predict_interval(self, X, alpha=0.05):
        """Pointwise normal ``1 - alpha`` intervals of ``E[Y | X = x]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray of shape (n_samples,)
        """
        _check_alpha(alpha)
        return self.predict_inference(X).conf_int(alpha)
