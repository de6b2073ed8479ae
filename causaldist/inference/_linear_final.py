"""A linear final stage: its coefficients, their inference and the summary table.

``theta(x) = Phi(x)' b`` with ``Phi`` the (featurised) effect features, one
coefficient vector per treatment column and outcome; fitted by least squares
with a sandwich covariance (:func:`causaldist.inference._sandwich.ols_sandwich`)
or by the debiased lasso. :class:`_LinearFinalMixin` is shared by the linear
DML and DR learners.
"""

import numpy as np
import pandas as pd
from sklearn.utils import get_tags

from ._sandwich import linear_combination
from ._table import SummaryTable

__all__ = []


def _kron_rows(D, Phi):
    """Rows ``D_i (x) Phi_i``: the design of ``theta(x) . D`` in the coefficients."""
    return (D[:, :, None] * Phi[:, None, :]).reshape(D.shape[0], -1)


class _LinearFit:
    """A fitted linear final stage: ``theta_{y,t}(x) = Phi(x)' b_{y,t}``.

    ``coef`` has shape ``(d_t * p, d_y)`` (treatment-major rows, one column
    per outcome) and ``cov`` is the covariance of ``coef.T.ravel()`` (None
    when unknown, e.g. inside a bootstrap replicate).
    """

    def __init__(self, coef, cov, design, d_t):
        self.coef, self.cov, self.design, self.d_t = coef, cov, design, d_t

    def theta(self, F):
        Phi = self.design(F)
        C = self.coef.reshape(self.d_t, Phi.shape[1], -1)
        return np.einsum("mp,tpy->myt", Phi, C)

    def combo(self, L):
        """``L b_y`` and standard errors for every outcome ``y``: two ``(m, d_y)`` arrays."""
        q, d_y = self.coef.shape
        values, stderrs = [], []
        for j in range(d_y):
            block = slice(j * q, (j + 1) * q)
            v, s = linear_combination(
                L, self.coef[:, [j]], None if self.cov is None else self.cov[block, block]
            ) if self.cov is not None else (L @ self.coef[:, j], None)
            values.append(v)
            stderrs.append(s)
        se = None if self.cov is None else np.stack(stderrs, axis=1)
        return np.stack(values, axis=1), se

    def effect(self, F, D):
        return self.combo(_kron_rows(D, self.design(F)))


class _LinearFinalMixin:
    """``coef_``, ``intercept_``, ``coef__interval`` and ``summary`` of a linear final stage.

    Shared by the linear DML learners and the linear DR learners. A class
    provides the hooks:

    - ``_combo(L)``: ``L vec(b)`` and standard errors aggregated over the
      cross-fitting repetitions;
    - ``_n_coef()`` and ``_n_t()``: the number of coefficients (every
      treatment column and effect feature) and of treatment columns;
    - ``_has_output_axis()`` / ``_drops_treatment_axis()``: whether ``coef_``
      keeps an outcome axis and drops a single treatment column's axis;
    - ``coef__inference()``, whose first ``_coef_row_offset()`` rows are the
      intercept (if it reports it there), and ``_summary_frames(alpha)``.

    ``fit_cate_intercept`` and ``featurizer`` are the class's parameters.
    """

    #: How the least-squares sandwich reads ``sample_weight`` (a hook):
    #: ``"frequency"`` weights, or ``"analytic"`` (statsmodels WLS's reading;
    #: see :func:`causaldist.inference._sandwich.ols_sandwich`).
    _sandwich_row_weights = "frequency"

    def _allows_nan(self):
        # The least-squares final stage sees the effect features: NaN there is
        # fine only when a featurizer that takes NaN (an imputer) comes first.
        featurizer = self.featurizer
        return super()._allows_nan() and featurizer is not None and bool(
            get_tags(featurizer).input_tags.allow_nan
        )

    def _params(self):
        """All parameters: values and standard errors of shape ``(d_t, p, d_y)``."""
        q = self._n_coef()
        v, s = self._combo(np.eye(q))
        shape = (self._n_t(), q // self._n_t(), -1)
        return v.reshape(shape), None if s is None else s.reshape(shape)

    def _coef_layout(self, a):
        """``(d_t, k, d_y)`` -> ``(d_y, d_t, k)`` with the singleton axes dropped."""
        a = np.moveaxis(a, 2, 0)
        if a.shape[1] == 1 and self._drops_treatment_axis():
            a = a[:, 0]
        if not self._has_output_axis():
            a = a[0]
        return a

    def _split(self, a):
        return (a[:, 1:], a[:, 0]) if self.fit_cate_intercept else (a, None)

    @property
    def coef_(self):
        """Coefficients of the effect features, shape ``(d_y, d_t, n_features)``.

        The axis of a 1-D ``y`` and of a single treatment column (or arm) are
        dropped.
        """
        v, _ = self._params()
        return self._coef_layout(self._split(v)[0])

    @property
    def intercept_(self):
        """The CATE intercept, shape ``(d_y, d_t)`` with singleton axes dropped."""
        if not self.fit_cate_intercept:
            raise AttributeError("fit_cate_intercept=False: there is no intercept.")
        v, _ = self._params()
        out = self._coef_layout(self._split(v)[1][:, None, :])[..., 0]
        return out if out.ndim else out[()]

    def _coef_row_offset(self):
        """Rows of ``coef__inference()`` before the coefficients of ``coef_``."""
        return 0

    def coef__interval(self, *, alpha=0.05):
        """Intervals of ``coef_``.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        lower, upper : ndarray shaped like ``coef_``
        """
        lo, hi = self.coef__inference().conf_int(alpha)
        start = self._coef_row_offset()
        return self._to_coef_layout(np.asarray(lo)[start:]), self._to_coef_layout(
            np.asarray(hi)[start:])

    def _to_coef_layout(self, a):
        """Feature-first inference arrays -> ``coef_``'s feature-last layout."""
        return np.moveaxis(np.asarray(a), 0, -1)

    def _summary_frames(self, alpha):
        return [self.coef__inference().summary_frame(alpha)]

    def summary(self, alpha=0.05):
        """Coefficient table with feature-named rows, printed whole.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        table : SummaryTable
            A :class:`pandas.DataFrame` (``table["pvalue"]``, ``table.loc``
            work as on any frame) whose text and HTML show every column:
            ``point_estimate, stderr, zstat, pvalue, ci_lower, ci_upper``
            for every coefficient (and the intercept), rows named
            ``feature|Y|T`` where there are several outcomes or treatments.
            ``table.tables`` holds the coefficient and the intercept parts
            (econml's "Coefficient Results" and "CATE Intercept Results"),
            ``table.frame`` the plain DataFrame.
        """
        frames = self._summary_frames(alpha)
        for f in frames:
            if isinstance(f.index, pd.MultiIndex):
                f.index = ["|".join(map(str, key)) for key in f.index]
            else:
                f.index = [str(k) for k in f.index]
        frame = pd.concat(frames) if len(frames) > 1 else frames[0]
        is_intercept = [
            k == "cate_intercept" or k.startswith("cate_intercept|") for k in frame.index
        ]
        coefs = [k for k, b in zip(frame.index, is_intercept) if not b]
        intercepts = [k for k, b in zip(frame.index, is_intercept) if b]
        return SummaryTable(frame, parts=[
            ("Coefficient Results", coefs, None),
            ("CATE Intercept Results", intercepts, None),
        ])
