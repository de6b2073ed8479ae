"""Partial dependence and ICE curves of an estimated effect."""

import numpy as np

from ._dependence import cate_dependence

__all__ = ["CateDependenceDisplay"]


class CateDependenceDisplay:
    """How the estimated effect moves with one feature: PD and ICE curves.

    Build it with :meth:`from_estimator` (as scikit-learn's
    ``PartialDependenceDisplay``), or from the arrays of
    :func:`causaldist.interpret.cate_dependence` and :meth:`plot`. The
    average (partial dependence) is a thick line per treated arm; the
    individual (ICE) curves are thin and faint in the same colour.

    Parameters
    ----------
    grid_values : ndarray of shape (G,)
        Values of the feature.
    average : ndarray of shape (G, n_effects), default=None
        Partial dependence of each treated arm's effect.
    individual : ndarray of shape (n, G, n_effects), default=None
        ICE curves.
    feature_name : str, default="feature"
        x label.
    treatment_names : list, default=None
        Labels of the treated arms, for the legend.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The average curves (one per arm) when drawn.
    ice_lines_ : list of matplotlib Line2D
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LinearRegression
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.interpret import CateDependenceDisplay
    >>> X, y, t, tau = make_heterogeneous(300, design="rct", as_frame=True, random_state=0)
    >>> est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    >>> disp = CateDependenceDisplay.from_estimator(est, X, "x2", kind="both", subsample=20)
    >>> len(disp.lines_), len(disp.ice_lines_), disp.ax_.get_xlabel()
    (1, 20, 'x2')
    """

    def __init__(self, grid_values, average=None, individual=None, *, feature_name="feature",
                 treatment_names=None):
        self.grid_values = np.asarray(grid_values)
        self.average = None if average is None else np.asarray(average)
        self.individual = None if individual is None else np.asarray(individual)
        self.feature_name = feature_name
        self.treatment_names = treatment_names

    def plot(self, ax=None, *, ice_alpha=0.2, **kwargs):
        """Draw the curves on ``ax`` (a new figure when None); returns self.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        ice_alpha : float, default=0.2
            Opacity of the ICE curves.
        **kwargs : dict
            Passed to ``Axes.plot`` for the average curves.

        Returns
        -------
        self : CateDependenceDisplay
            The display, drawn.
        """
        # plotting sits above interpret: a deferred import keeps matplotlib optional
        from ..plotting._uplift_curve import _axes

        ax = _axes(ax, f"{type(self).__name__}.plot")
        ref = self.average if self.average is not None else self.individual[0]
        n_effects = ref.shape[-1]
        names = self.treatment_names or [f"T{k + 1}" for k in range(n_effects)]
        self.lines_, self.ice_lines_ = [], []
        for k in range(n_effects):
            color = f"C{k}"
            if self.individual is not None:
                self.ice_lines_ += ax.plot(self.grid_values, self.individual[:, :, k].T,
                                           color=color, alpha=ice_alpha, lw=0.7)
            if self.average is not None:
                label = "average effect" if n_effects == 1 else f"average effect of {names[k]}"
                style = dict(color=color, lw=2.5)
                style.update(kwargs)
                self.lines_ += ax.plot(self.grid_values, self.average[:, k], label=label,
                                       **style)
        ax.set_xlabel(self.feature_name)
        ax.set_ylabel("estimated effect")
        ax.set_title("Effect dependence" + (" (ICE)" if self.individual is not None else ""))
        if self.lines_:
            ax.legend(loc="best", fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, feature, *, kind="average", grid_resolution=20,
                       percentiles=(0.05, 0.95), subsample=None, random_state=None, ax=None,
                       **kwargs):
        """Curves of a fitted CATE estimator (or Pipeline ending in one).

        Parameters
        ----------
        estimator : fitted CATE estimator or Pipeline ending in one
            Its ``predict`` gives the effects.
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows whose other features are held fixed.
        feature : int or str
            Column index, or name of a DataFrame's column.
        kind : {"average", "individual", "both"}, default="average"
            Partial dependence, ICE curves, or both.
        grid_resolution : int, default=20
            At most this many grid points.
        percentiles : tuple of float, default=(0.05, 0.95)
            Range of the grid, as quantiles of the feature.
        subsample : int, default=None
            Rows kept for the curves, ``None`` for all.
        random_state : int, RandomState instance or None, default=None
            Seed of the subsample.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : CateDependenceDisplay
        """
        res = cate_dependence(
            estimator, X, feature, kind=kind, grid_resolution=grid_resolution,
            percentiles=percentiles, subsample=subsample, random_state=random_state,
        )
        disp = cls(res.grid_values, res.get("average"), res.get("individual"),
                   feature_name=res.feature_name, treatment_names=res.treatment_names)
        return disp.plot(ax, **kwargs)
