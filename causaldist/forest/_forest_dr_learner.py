"""DR-learner whose final model is an honest regression forest (intervals for the CATE)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..inference import Estimate
from ..inference._estimate import _check_alpha
from ..metalearners import DRLearner
from ..model_selection._mixin import _fill_cross_fit_doc
from ._regression_forest import RegressionForest

__all__ = ["ForestDRLearner"]


@_fill_cross_fit_doc
class ForestDRLearner(DRLearner):
    """DR-learner with a :class:`RegressionForest` on its pseudo-outcomes.

    The AIPW pseudo-outcomes ``phi_i(a) = Gamma_i(a) - Gamma_i(0)`` of
    :class:`~causaldist.metalearners.DRLearner` are regressed on ``X`` by an
    honest regression forest, whose little-bags standard errors give
    pointwise intervals for ``tau_a(x)`` (econml's ``ForestDRLearner``). The
    intervals treat the cross-fitted nuisances as known: their error enters
    the pseudo-outcomes at second order only (Kennedy 2023).

    Parameters
    ----------
    outcome_model, propensity_model, pooled_outcome
        As in :class:`~causaldist.metalearners.DRLearner`.
    final_model : RegressionForest, default=None
        ``None`` means ``RegressionForest(random_state=random_state)``;
        tunable as ``final_model__<param>`` (e.g. ``final_model__min_samples_leaf``).
        Any regressor with ``predict_inference`` gives intervals.
    {cross_fit}

    Attributes
    ----------
    final_models_ : list of RegressionForest
        One per treated arm.
    ate_ : Estimate
    pseudo_outcomes_ : ndarray of shape (n_samples, n_arms - 1)
    nuisances_ : Nuisances
    folds_ : list of (train, test)
    categories_ : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.forest import ForestDRLearner, RegressionForest
    >>> X, y, t, tau = make_heterogeneous(n_samples=1000, random_state=0)
    >>> est = ForestDRLearner(outcome_model=LinearRegression(), cv=3,
    ...                       final_model=RegressionForest(n_estimators=50, random_state=0))
    >>> lo, hi = est.fit(X, y, treatment=t).effect_interval(X[:2])
    >>> bool((lo < hi).all())
    True
    """

    def _default_model(self, param):
        if param == "final_model":
            rs = self.random_state
            if isinstance(rs, np.random.RandomState):
                rs = rs.randint(np.iinfo(np.int32).max)
            return RegressionForest(random_state=rs, verbose=self.verbose)
        return super()._default_model(param)

    def _model(self, param):
        if param == "final_model" and self.final_model is None:
            return self._default_model(param)
        return super()._model(param)

    def effect_inference(self, X, *, T0=None, T1=None):
        """Effects at ``X`` against control with the final forests' standard errors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0 : label, default=None
            Must be the control arm (``None``): each treated arm has its own
            forest, and contrasts between two treated arms have no joint
            variance here.
        T1 : label, default=None
            Target arm; ``None`` means every treated arm.

        Returns
        -------
        inference : Estimate
            Shape ``(n_samples,)`` for one arm, ``(n_samples, n_arms - 1)``
            for all.
        """
        check_is_fitted(self, "final_models_")
        X = self._validate_X_predict(X)
        if T0 is not None and self._codes_of(np.atleast_1d(T0), "T0").any():
            raise ValueError(
                "ForestDRLearner gives intervals against the control arm only "
                f"(T0 = {self.categories_[0]!r} or None)."
            )
        if not all(hasattr(m, "predict_inference") for m in self.final_models_):
            raise TypeError(
                "effect_inference needs a final model with predict_inference "
                "(e.g. RegressionForest)."
            )
        arms = range(len(self.final_models_))
        if T1 is not None:
            arms = [int(self._codes_of(np.atleast_1d(T1), "T1")[0]) - 1]
            if arms[0] < 0:
                raise ValueError("T1 must be a treated arm, not the control.")
        results = [self.final_models_[k].predict_inference(X) for k in arms]
        value = np.column_stack([r.value for r in results])
        stderr = np.column_stack([r.stderr for r in results])
        if value.shape[1] == 1:
            value, stderr = value[:, 0], stderr[:, 0]
        return Estimate(value, stderr, method="forest DR-learner (little bags)")

    def effect_interval(self, X, *, T0=None, T1=None, alpha=0.05):
        """Pointwise normal ``1 - alpha`` intervals of the effects against control.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        T0, T1 : label, default=None
            As in :meth:`effect_inference`.
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray
        """
        _check_alpha(alpha)
        return self.effect_inference(X, T0=T0, T1=T1).conf_int(alpha)
