"""A Pipeline that exposes its causal estimator's verbs through the transforms."""


from sklearn.pipeline import Pipeline as _SkPipeline
from sklearn.pipeline import _name_estimators
from sklearn.utils._available_if import available_if

from .base import _warn

__all__ = ["Pipeline", "make_pipeline"]

# Verbs of causaldist estimators whose first argument (or the argument named
# here) is the covariate matrix to transform: name -> position of X.
_VERBS = {
    "effect": 0,
    "effect_interval": 0,
    "effect_inference": 0,
    "const_marginal_effect": 0,
    "marginal_effect": 1,
    "predict_value": 0,
    "apply": 0,
}


def _final_has(name):
    def check(self):
        return hasattr(self._final_estimator, name)

    return check


def _verb(name, x_pos):
    def method(self, *args, **kwargs):
        args = list(args)
        if "X" in kwargs:
            kwargs["X"] = self._transform_X(kwargs["X"])
        elif len(args) > x_pos:
            args[x_pos] = self._transform_X(args[x_pos])
        return getattr(self._final_estimator, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = (
        f"Transform ``X`` through every step but the last, then call the final "
        f"estimator's ``{name}``.\n\n"
        "Parameters\n----------\n*args, **kwargs\n"
        f"    As the final estimator's ``{name}``; ``X`` is transformed first.\n\n"
        "Returns\n-------\nresult\n"
        f"    What the final estimator's ``{name}`` returns.\n"
    )
    return available_if(_final_has(name))(method)


class Pipeline(_SkPipeline):
    """scikit-learn's ``Pipeline`` with the causal verbs of its final estimator.

    A plain ``Pipeline`` ending in a causal estimator fits it (the treatment is
    routed like ``sample_weight``) and predicts the CATE, but hides
    ``effect``, ``effect_interval``, ``predict_value`` and the rest. This
    subclass (as imbalanced-learn ships its own ``Pipeline``) passes ``X``
    through the transforms and calls the final estimator's verb; the other
    arguments (``T0``, ``T1``, ``alpha``, ...) are passed on unchanged.
    ``categories_`` is the final estimator's. The transforms output pandas
    DataFrames when they can (``set_output(transform="pandas")``), so the
    final estimator keeps the feature names a ``ColumnTransformer`` makes
    (they show in a policy tree's text and plots).

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As in :class:`sklearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        As in :class:`sklearn.pipeline.Pipeline`.
    memory : str or object with the joblib.Memory interface, default=None
        As in :class:`sklearn.pipeline.Pipeline`.
    verbose : bool, default=False
        As in :class:`sklearn.pipeline.Pipeline`.

    Attributes
    ----------
    categories_ : ndarray of shape (n_arms,)
        The final estimator's treatment arms.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.pipeline import make_pipeline
    >>> X, y, t, tau = make_heterogeneous(300, random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     pipe = make_pipeline(StandardScaler(), TLearner(outcome_model=LinearRegression()))
    ...     pipe = pipe.fit(X, y, treatment=t)
    >>> pipe.effect(X[:3], T0=0, T1=1).shape
    (3,)
    >>> pipe.categories_.tolist()
    [0, 1]
    """

    def _transform_X(self, X):
        for _, _, transform in self._iter(with_final=False):
            X = transform.transform(X)
        return X

    def fit(self, X, y=None, **params):
        """Fit the transforms, then the final estimator on the transformed data.

        Parameters
        ----------
        X : iterable
            Training data.
        y : iterable, default=None
            Training targets.
        **params : dict
            Routed metadata (``treatment``, ``sample_weight``, ...), as in
            :meth:`sklearn.pipeline.Pipeline.fit`.

        Returns
        -------
        self : Pipeline
        """
        changed = []
        for _, _, transform in self._iter(with_final=False, filter_passthrough=True):
            if hasattr(transform, "set_output") and hasattr(
                transform, "get_feature_names_out"
            ):
                try:
                    transform.set_output(transform="pandas")
                except ValueError:  # e.g. sparse output: keep arrays
                    continue
                changed.append(transform)
        try:
            return super().fit(X, y, **params)
        except ValueError as exc:
            # A sparse step (OneHotEncoder's default sparse_output=True, also
            # inside a ColumnTransformer) refuses pandas output only when it
            # transforms: fall back to arrays, which lose the column names.
            if "does not support sparse" not in str(exc) or not changed:
                raise
            _warn(
                f"A transform outputs sparse data, so the final estimator sees "
                f"arrays without column names ({exc}). Pass sparse_output=False "
                "to OneHotEncoder to keep the names."
            )
            for transform in changed:
                transform.set_output(transform="default")
            return super().fit(X, y, **params)

    @property
    def categories_(self):
        return self._final_estimator.categories_

    for _name, _pos in _VERBS.items():
        locals()[_name] = _verb(_name, _pos)
    del _name, _pos


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Construct a causal :class:`Pipeline` from the given estimators.

    Parameters
    ----------
    *steps : list of estimators
        The transforms, then the causal estimator.
    memory : str or object with the joblib.Memory interface, default=None
    transform_input : list of str, default=None
    verbose : bool, default=False

    Returns
    -------
    pipeline : Pipeline

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from causaldist.metalearners import DRLearner
    >>> from causaldist.pipeline import make_pipeline
    >>> make_pipeline(StandardScaler(), DRLearner()).steps[1][0]
    'drlearner'
    """
    return Pipeline(
        _name_estimators(steps), memory=memory, transform_input=transform_input,
        verbose=verbose,
    )
