"""Display of the barycenter quantile functions a policy induces, with their bands."""

import numpy as np

from ._uplift_curve import _axes, _legend_clear_of_data

__all__ = ["BarycenterDisplay"]

_BANDS = ("uniform", "pointwise", None)


def _is_learner(estimator):
    return hasattr(estimator, "evaluator_") and hasattr(estimator, "value_")


class BarycenterDisplay:
    """Barycenter quantile functions of one or more policies, with 1 - alpha bands.

    The estimated barycenter ``q_pi(p)`` of a policy (the population's
    "typical" outcome distribution under ``pi``, :mod:`causaldist.distributional`)
    is drawn against the level ``p``, with its simultaneous (``"uniform"``) or
    pointwise band shaded, one colour per policy; the legend gives each
    policy's utility with its interval. Build it with :meth:`from_estimator`
    (a fitted distributional evaluator or policy learner) or :meth:`from_result`
    (:class:`~causaldist.distributional.DistributionalPolicyValue` results).

    Parameters
    ----------
    results : dict of str to DistributionalPolicyValue
        The policies' results, by legend name.
    y_label : str, default=None
        ``None`` means ``"outcome quantile"``.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One barycenter quantile function per result, in order.
    bands_ : list of matplotlib PolyCollection
        Their bands (empty with ``band=None``).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from causaldist.datasets import make_distributional
    >>> from causaldist.distributional import DistributionalDREvaluator
    >>> from causaldist.plotting import BarycenterDisplay
    >>> X, y, t = make_distributional(1000, n_levels=20, random_state=0)
    >>> ev = DistributionalDREvaluator(cv=2, random_state=0).fit(X, y, treatment=t)
    >>> disp = BarycenterDisplay.from_estimator(
    ...     ev, {"treat all": 1, "treat none": 0}, random_state=0)
    >>> len(disp.lines_), len(disp.bands_)
    (2, 2)
    >>> disp.ax_.get_xlabel()
    'level p'
    """

    def __init__(self, results, *, y_label=None):
        self.results = dict(results)
        self.y_label = y_label

    def plot(self, ax=None, *, band="uniform", colors=None, **kwargs):
        """Draw the quantile functions (and bands) on ``ax``; returns self.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        band : {"uniform", "pointwise"} or None, default="uniform"
            The shaded band: simultaneous over the levels (Gaussian multiplier
            bootstrap), pointwise, or none.
        colors : list of colours, default=None
            One per result; default the colour cycle.
        **kwargs
            Passed to each ``ax.plot``.
        """
        if band not in _BANDS:
            raise ValueError(f"band must be one of {_BANDS}; got {band!r}.")
        ax = _axes(ax, f"{type(self).__name__}.plot")
        self.lines_, self.bands_ = [], []
        for i, (name, res) in enumerate(self.results.items()):
            lo, hi = res.conf_int()
            utility = getattr(res, "utility", None)
            label = f"{name}: {utility!r} = {res.value:.3g} [{lo:.3g}, {hi:.3g}]"
            style = dict(kwargs)
            if colors is not None:
                style.setdefault("color", colors[i])
            (line,) = ax.plot(res.levels, res.quantiles, label=label, **style)
            self.lines_.append(line)
            if band is not None:
                bounds = res.uniform_band if band == "uniform" else res.pointwise_band
                if bounds is None:
                    raise ValueError(
                        f"the result {name!r} has no {band} band (evaluated with "
                        f"uniform=False?); pass band='pointwise' or band=None."
                    )
                self.bands_.append(
                    ax.fill_between(res.levels, bounds[0], bounds[1],
                                    color=line.get_color(), alpha=0.2, lw=0)
                )
        ax.set_xlim(0, 1)
        ax.set_xlabel("level p")
        ax.set_ylabel(self.y_label or "outcome quantile")
        kind = {"uniform": "uniform", "pointwise": "pointwise", None: None}[band]
        level = next(iter(self.results.values()), None)
        title = "Barycenter quantile function"
        if kind is not None and level is not None:
            title += f" ({kind} band)"
        ax.set_title(title)
        _legend_clear_of_data(ax, include_zero=False)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_result(cls, result, *, name=None, band="uniform", y_label=None, ax=None,
                    **kwargs):
        """Display of given results.

        Parameters
        ----------
        result : DistributionalPolicyValue or dict of str to it
            From ``evaluate`` of a distributional evaluator, or a learner's
            ``value_``.
        name : str, default=None
            Legend name of a single result (default ``"policy"``).
        band, y_label, ax, **kwargs
            As in :meth:`plot` and the constructor.

        Returns
        -------
        display : BarycenterDisplay
        """
        results = result if isinstance(result, dict) else {name or "policy": result}
        for key, res in results.items():
            if not hasattr(res, "quantiles") or not hasattr(res, "levels"):
                raise TypeError(
                    f"result {key!r} must be a DistributionalPolicyValue (from a "
                    f"distributional evaluator's evaluate); got {type(res).__name__}."
                )
        return cls(results, y_label=y_label).plot(ax, band=band, **kwargs)

    @classmethod
    def from_estimator(
        cls, estimator, policy=None, X=None, *, utility=None, band="uniform", alpha=0.05,
        n_bootstraps=1000, random_state=None, name=None, y_label=None, ax=None, **kwargs,
    ):
        """Display of the barycenters that policies induce, from a fitted estimator.

        Parameters
        ----------
        estimator : fitted distributional evaluator or policy learner
            A ``DistributionalDREvaluator`` / ``DistributionalIPWEvaluator``, or a
            ``DistributionalPolicyLearner`` / ``DistributionalPolicyTree`` (whose
            own evaluator is used).
        policy : policy, dict of str to policy, or None
            What :meth:`evaluate` accepts (labels, probabilities, a fitted
            estimator, a callable of ``X``, or one arm label for everyone), or a
            dict of them by legend name. ``None`` with a learner: its learned
            policy (its ``value_`` when ``utility`` is None too).
        X : array-like, default=None
            Covariates of estimator or callable policies; ``None`` means the
            training ``X``.
        utility : Utility, default=None
            Shown in the legend; ``None`` means the learner's utility, or
            :class:`~causaldist.distributional.Mean`.
        band, alpha, n_bootstraps, random_state
            As in ``evaluate`` and :meth:`plot`.
        name, y_label, ax, **kwargs
            As in :meth:`from_result`.

        Returns
        -------
        display : BarycenterDisplay
        """
        learner = _is_learner(estimator)
        evaluator = estimator.evaluator_ if learner else estimator
        if not hasattr(evaluator, "evaluate") or not hasattr(evaluator, "grid_"):
            raise TypeError(
                f"{type(estimator).__name__} is not a fitted distributional evaluator "
                "or policy learner."
            )
        own_value = utility is None and X is None and alpha == 0.05
        if utility is None and learner:
            utility = estimator._utility()
        common = dict(utility=utility, alpha=alpha, uniform=band == "uniform",
                      n_bootstraps=n_bootstraps, random_state=random_state)
        if policy is None:
            if not learner:
                raise ValueError(
                    f"{type(estimator).__name__} is an evaluator: pass the policy to draw."
                )
            default = name or "learned policy"
            if own_value and (band != "uniform" or estimator.value_.uniform_band is not None):
                results = {default: estimator.value_}
            else:
                results = {default: evaluator.evaluate(estimator, X, **common)}
        else:
            policies = policy if isinstance(policy, dict) else {name or "policy": policy}
            n = evaluator.scores_.shape[0]
            results = {}
            for key, pol in policies.items():
                if np.ndim(pol) == 0 and not callable(pol) and not hasattr(pol, "predict"):
                    pol = np.full(n, pol, dtype=np.asarray(evaluator.categories_).dtype)
                results[key] = evaluator.evaluate(pol, X, **common)
        return cls(results, y_label=y_label).plot(ax, band=band, **kwargs)
