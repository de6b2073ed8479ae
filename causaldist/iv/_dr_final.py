"""The final stages of the DRIV family: any regressor, or least squares with a sandwich."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import _fit_model
from ..inference._sandwich import ols_sandwich
from ._linear import _LinearIVMixin

__all__ = []


class _ModelFinalMixin:
    """Effects of a final stage fitted by any regressor (``final_model_``)."""

    def _final(self, Phi, theta_dr, w, groups):
        model = self.final_model if self.final_model is not None else self._flexible()
        return dict(final_model_=_fit_model(model, Phi, theta_dr, w))

    def const_marginal_effect(self, X):
        """The effect of one unit of treatment, ``theta(x)``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        theta : ndarray of shape (m,)
        """
        check_is_fitted(self, "final_model_")
        X = self._validate_X_predict(X)
        return np.asarray(self.final_model_.predict(self._Phi(X)), dtype=np.float64)

    def predict(self, X):
        """The conditional effect ``theta(x)`` (:meth:`const_marginal_effect`).

        Parameters
        ----------
        X : array-like of shape (m, n_features)

        Returns
        -------
        cate : ndarray of shape (m,)
        """
        return self.const_marginal_effect(X)

    def effect(self, X, T0=0, T1=1):
        """Effect of moving each row from ``T0`` to ``T1``: ``theta(x) (T1 - T0)``.

        Parameters
        ----------
        X : array-like of shape (m, n_features)
        T0, T1 : scalar, label or array-like of shape (m,), default 0 and 1

        Returns
        -------
        effect : ndarray of shape (m,)
        """
        theta = self.const_marginal_effect(X)
        return theta * self._dT(theta.shape[0], T0, T1)[:, 0]


class _LinearFinalMixin(_LinearIVMixin):
    def _final(self, Phi, theta_dr, w, groups):
        # Inverse-variance (cov^2) weights are precision weights, not frequencies.
        weights = "analytic" if self.opt_reweighted else self._weights_convention
        coef, cov = ols_sandwich(Phi, theta_dr[:, None], w, cov_type=self.cov_type,
                                 groups=groups, weights=weights)
        return dict(coef_vec_=coef[:, 0], coef_cov_=cov)
