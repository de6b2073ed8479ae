"""SHAP values of any fitted CATE estimator's effects (shap is an optional dependency)."""

import warnings

import numpy as np

from . import _effects as E

__all__ = ["shap_values"]

_TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm", "catboost")


def _shap():
    try:
        with warnings.catch_warnings():
            # shap's import sets colormap extremes the way matplotlib deprecates;
            # nothing a user of shap_values can act on
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import shap
    except ImportError as exc:
        raise ImportError(
            "shap_values requires shap: pip install shap (or pip install "
            '"causaldist[interpret]").'
        ) from exc
    return shap


def _linear_coefficients(estimator, Xa, tau):
    """``(intercept, coef)`` with ``tau = intercept + X coef`` when the estimator
    exposes them and they reproduce its effects on ``X``, else None."""
    coef, intercept = getattr(estimator, "coef_", None), getattr(estimator, "intercept_", None)
    if coef is None or intercept is None:
        return None
    try:
        coef = np.asarray(coef, dtype=np.float64).reshape(Xa.shape[1], -1)
        intercept = np.broadcast_to(np.asarray(intercept, dtype=np.float64).reshape(-1),
                                    (coef.shape[1],))
    except (TypeError, ValueError):
        return None
    if coef.shape[1] != tau.shape[1]:
        return None
    # the guard: a featurizer or a subset of effect features would break it
    if not np.allclose(intercept + Xa @ coef, tau, rtol=1e-6, atol=1e-8 * (1 + np.abs(tau).max())):
        return None
    return intercept, coef


def _tree_models(estimator, Xa, tau):
    """The final tree-ensemble models, one per treated arm, when they are fitted on
    the raw ``X`` and their predictions are the effects, else None."""
    models = getattr(estimator, "final_models_", None)
    if not isinstance(models, list) or len(models) != tau.shape[1]:
        return None
    for k, m in enumerate(models):
        if not type(m).__module__.startswith(_TREE_MODULES) or not hasattr(m, "predict"):
            return None
        try:
            same = np.allclose(m.predict(Xa), tau[:, k], rtol=1e-6, atol=1e-9)
        except Exception:  # a model that needs other inputs than X: not usable
            return None
        if not same:
            return None
    return models


def shap_values(estimator, X, *, feature_names=None, background=None, max_background=100,
                random_state=0):
    """SHAP values of a fitted CATE estimator's effects at ``X``, one per treated arm.

    The explained function is ``x -> tau_k(x)`` (``estimator.predict``,
    column ``k``). Three routes, chosen for what the estimator exposes:

    - a linear final stage (``coef_`` and ``intercept_`` that reproduce the
      effects on ``X``, as ``LinearDML`` or ``LinearDRLearner`` without
      featurizer): exact, ``phi_j(x) = coef_j (x_j - mean_b x_j)`` over the
      background ``b`` (interventional SHAP of a linear function, Lundberg &
      Lee 2017);
    - tree-ensemble final models fitted on ``X`` (``final_models_`` of e.g.
      ``DRLearner`` or ``RLearner`` with the default gradient boosting):
      ``shap.TreeExplainer`` (Lundberg et al. 2020), exact for trees
      (path-dependent: the expectations are over the trees' training
      cover, not the background);
    - anything else, a ``Pipeline`` included: ``shap.Explainer`` on the
      function with an independent masker over the background
      (model-agnostic: permutation or exact sampling, slower).

    Parameters
    ----------
    estimator : fitted CATE estimator or Pipeline ending in one
        Its ``predict`` is the explained function.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Rows to explain.
    feature_names : list of str, default=None
        ``None`` means a DataFrame's columns, else ``feature_names_in_``,
        else ``x0, x1, ...``.
    background : array-like or DataFrame, default=None
        Reference rows of the expectations; ``None`` means ``X``.
    max_background : int, default=100
        Background rows kept (a random subsample beyond).
    random_state : int, default=0
        Seed of the background subsample.

    Returns
    -------
    explanation : shap.Explanation or dict of shap.Explanation
        One ``Explanation`` (values of shape ``(n_samples, n_features)``)
        for a binary treatment; a dict keyed by treated arm label otherwise.

    Raises
    ------
    ImportError
        When shap is not installed.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.dml import LinearDML
    >>> from causaldist.interpret import shap_values
    >>> X, y, t, tau = make_heterogeneous(500, design="rct", as_frame=True, random_state=0)
    >>> est = LinearDML(outcome_model=LinearRegression(), cv=2).fit(X, y, treatment=t)
    >>> sv = shap_values(est, X)
    >>> sv.values.shape, sv.feature_names[2]
    ((500, 5), 'x2')
    """
    shap = _shap()
    Xa = E.numeric(X)
    tau = E.effects(estimator, X)
    names = E.feature_names(X, estimator, Xa.shape[1], feature_names)
    bg = X if background is None else background
    rng = np.random.default_rng(random_state)
    n_bg = np.shape(bg)[0]
    if n_bg > max_background:
        bg = E.take_rows(bg, np.sort(rng.choice(n_bg, max_background, replace=False)))
    bg_a = E.numeric(bg)
    labels = E.arm_labels(estimator, tau.shape[1])[1]
    out = {}
    linear = _linear_coefficients(estimator, Xa, tau)
    trees = None if linear is not None else _tree_models(estimator, Xa, tau)
    for k, label in enumerate(labels):
        if linear is not None:
            intercept, coef = linear
            mean = bg_a.mean(axis=0)
            values = (Xa - mean) * coef[:, k]
            base = np.full(Xa.shape[0], intercept[k] + mean @ coef[:, k])
            exp = shap.Explanation(values, base_values=base, data=Xa, feature_names=names)
        elif trees is not None:
            # path-dependent: shap's interventional route loses the additivity of
            # HistGradientBoosting (its baseline), the path-dependent one keeps it
            explainer = shap.TreeExplainer(trees[k], feature_perturbation="tree_path_dependent")
            values = explainer.shap_values(Xa, check_additivity=False)
            base = np.full(Xa.shape[0], float(np.ravel(explainer.expected_value)[0]))
            exp = shap.Explanation(values, base_values=base, data=Xa, feature_names=names)
        else:
            def effect_k(rows, _k=k):
                frame = rows
                if hasattr(X, "columns"):  # keep the estimator's column names
                    import pandas as pd

                    frame = pd.DataFrame(rows, columns=X.columns)
                return E.effects(estimator, frame)[:, _k]

            # Kernel SHAP (Lundberg & Lee 2017): shap's newer maskers compile numba
            # kernels on each first call (~40 s on a loaded 2-core machine)
            explainer = shap.KernelExplainer(effect_k, bg_a, silent=True)
            values = explainer.shap_values(Xa, silent=True)
            base = np.full(Xa.shape[0], float(np.ravel(explainer.expected_value)[0]))
            exp = shap.Explanation(values, base_values=base, data=Xa, feature_names=names)
        out[label] = exp
    return out[labels[0]] if len(labels) == 1 else out
