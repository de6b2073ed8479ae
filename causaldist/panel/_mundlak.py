"""Mundlak (correlated random effects) features: unit means of time-varying covariates."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["MundlakFeatures"]


def _unit_codes(groups, unit, n, owner):
    ids = groups if groups is not None else unit
    if ids is None:
        raise ValueError(f"{owner} needs the unit of every row: pass groups=... (or unit=...); "
                         "in a Pipeline enable metadata routing so that it is forwarded.")
    ids = np.asarray(ids.to_numpy() if hasattr(ids, "to_numpy") else ids)
    if ids.ndim != 1 or ids.shape[0] != n:
        raise ValueError(f"groups must be 1-D with one unit id per row ({n}); got shape "
                         f"{ids.shape}.")
    return np.unique(ids, return_inverse=True)[1]


def _unit_means(X, codes):
    counts = np.bincount(codes)
    sums = np.zeros((counts.size, X.shape[1]))
    np.add.at(sums, codes, X)
    return (sums / counts[:, None])[codes]


class MundlakFeatures(TransformerMixin, BaseEstimator):
    """Append the unit means of time-varying covariates (Mundlak 1978).

    In a panel with unit effects ``a_i`` correlated with the covariates, the
    correlated random effects model of Mundlak (1978) and Chamberlain (1982)
    projects ``a_i`` on the unit means ``xbar_i = mean_t x_it``: a regression
    (or any learner) on ``[x_it, xbar_i]`` then controls for time-invariant
    unobserved heterogeneity, and its coefficients on ``x_it`` equal the
    within (fixed-effects) estimator in the linear case (Wooldridge 2010,
    sec. 10.7.3). This is how panel DML adds fixed effects to learners that
    have none. Unit ids come as ``groups`` (or ``unit``), routed by default, so
    the transformer works inside a ``Pipeline`` with metadata routing enabled.

    Means are computed over the rows passed to ``transform``: transform each
    unit's whole history at once.

    Parameters
    ----------
    columns : "auto", "all" or array-like of int or str, default="auto"
        Covariates to average. ``"auto"``: those that vary within at least one
        unit in ``fit`` (a unit mean of a time-invariant column would repeat it).

    Attributes
    ----------
    columns_ : ndarray of int
        Indices of the averaged columns.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` has string column names.

    References
    ----------
    .. [1] Mundlak, Y. (1978). On the pooling of time series and cross section
       data. Econometrica, 46(1), 69-85.
    .. [2] Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and
       Panel Data, 2nd ed. MIT Press.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.panel import MundlakFeatures
    >>> X = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 7.0], [6.0, 7.0]])
    >>> unit = np.array([0, 0, 1, 1])
    >>> MundlakFeatures().fit_transform(X, groups=unit)
    array([[1., 5., 2.],
           [3., 5., 2.],
           [2., 7., 4.],
           [6., 7., 4.]])
    """

    __metadata_request__fit = {"groups": True, "unit": True}
    __metadata_request__transform = {"groups": True, "unit": True}

    _parameter_constraints = {"columns": [StrOptions({"auto", "all"}), "array-like"]}

    def __init__(self, columns="auto"):
        self.columns = columns

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None, unit=None):
        """Choose the columns to average.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Covariates, one row per unit and period.
        y : None
            Ignored.
        groups, unit : array-like of shape (n_rows,)
            Unit id of every row (either name).

        Returns
        -------
        self : MundlakFeatures
            The fitted transformer.
        """
        X = validate_data(self, X, dtype=np.float64)
        codes = _unit_codes(groups, unit, X.shape[0], "MundlakFeatures.fit")
        if isinstance(self.columns, str) and self.columns == "all":
            cols = np.arange(X.shape[1])
        elif isinstance(self.columns, str):
            within = np.abs(X - _unit_means(X, codes)).max(axis=0) if len(X) else 0
            cols = np.flatnonzero(within > 1e-12 * (1 + np.abs(X).max(axis=0)))
        else:
            cols = np.asarray(self.columns)
            if cols.dtype.kind in "OU":
                names = list(getattr(self, "feature_names_in_", []))
                missing = [c for c in cols if c not in names]
                if missing:
                    raise ValueError(f"columns {missing} are not columns of X.")
                cols = np.array([names.index(c) for c in cols])
            if cols.size and (cols.min() < 0 or cols.max() >= X.shape[1]):
                raise ValueError(f"columns must index the {X.shape[1]} columns of X.")
        self.columns_ = cols.astype(np.intp)
        return self

    def transform(self, X, groups=None, unit=None):
        """Append the unit means of the chosen columns.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Covariates, every period of each unit.
        groups, unit : array-like of shape (n_rows,)
            Unit id of every row (either name).

        Returns
        -------
        Xt : ndarray of shape (n_rows, n_features + len(columns_))
            ``X`` followed by the unit means of ``columns_``.
        """
        check_is_fitted(self, "columns_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        codes = _unit_codes(groups, unit, X.shape[0], "MundlakFeatures.transform")
        return np.hstack([X, _unit_means(X[:, self.columns_], codes)])

    def fit_transform(self, X, y=None, groups=None, unit=None):
        """Fit, then transform the same rows.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Covariates, every period of each unit.
        y : None
            Ignored.
        groups, unit : array-like of shape (n_rows,)
            Unit id of every row (either name).

        Returns
        -------
        Xt : ndarray of shape (n_rows, n_features + len(columns_))
            ``X`` followed by the unit means of ``columns_``.
        """
        return self.fit(X, groups=groups, unit=unit).transform(X, groups=groups, unit=unit)

    def get_feature_names_out(self, input_features=None):
        """Input names followed by ``<name>_unit_mean`` for the averaged columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; ``feature_names_in_`` or ``x0, x1, ...`` if None.

        Returns
        -------
        names : ndarray of str
            Output column names.
        """
        check_is_fitted(self, "columns_")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_",
                                     [f"x{i}" for i in range(self.n_features_in_)])
        input_features = np.asarray(input_features, dtype=object)
        return np.r_[input_features,
                     [f"{input_features[j]}_unit_mean" for j in self.columns_]].astype(object)
