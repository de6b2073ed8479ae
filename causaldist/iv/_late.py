"""The local average treatment effect of a binary instrument, doubly robust."""

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ..inference._estimate import Estimate, _check_alpha, _linearised_ratio
from ..model_selection import Nuisances, cross_fit
from ..model_selection._mixin import CLASSIFIER, REGRESSOR, _fill_cross_fit_doc
from ._base import _BaseIV
from ._weak import ar_confidence_set

__all__ = ["LATE"]


@_fill_cross_fit_doc
class LATE(_BaseIV):
    """Doubly robust LATE of a binary treatment with a binary instrument, and its compliers.

    Under the LATE assumptions given ``X`` (the instrument is as good as
    random and excluded, and monotone: no defiers; Imbens & Angrist 1994),
    the effect on the compliers is the ratio of two intention-to-treat
    effects,

    ``LATE = E[phi_Y] / E[phi_T]``, with the AIPW scores
    ``phi_V = mu_V(1, X) - mu_V(0, X) + Z (V - mu_V(1, X)) / p(X)
    - (1 - Z) (V - mu_V(0, X)) / (1 - p(X))`` for ``V = Y, T``,

    ``p(x) = P(Z = 1 | X = x)`` and ``mu_V(z, x) = E[V | Z = z, X = x]``
    cross-fitted by the shared stage (Tan 2006, "Regression and weighting
    methods for causal inference using instrumental variables"; Frölich
    2007, "Nonparametric IV estimation of local average treatment effects
    with covariates"). It is consistent when either ``p`` or both ``mu``
    are right. The standard error is that of the linearised ratio,
    ``psi_i = (phi_Y,i - LATE phi_T,i) / E[phi_T]``, ``sd(psi) / sqrt(n)``.

    ``E[phi_T]`` is the share of compliers (``complier_share_``). Their mean
    covariates come from Abadie's (2003) kappa, ``kappa = 1 - T (1 - Z) /
    (1 - p(X)) - (1 - T) Z / p(X)``, which weights any function of ``X`` to
    its complier mean: ``E[g(X) | complier] = E[kappa g(X)] / E[kappa]``
    (``complier_means_``, :meth:`complier_summary`).

    Parameters
    ----------
    outcome_model : regressor, default=None
        ``mu_Y(z, x)``, one model per instrument level.
    treatment_model : regressor or classifier, default=None
        ``mu_T(z, x)``, one model per instrument level (a regressor by
        default: under one-sided noncompliance the treatment is constant at
        one level, which a classifier cannot fit).
    instrument_model : classifier, default=None
        ``p(x)``.
    min_propensity : float, default=1e-3
        ``p(x)`` is clipped to ``[min_propensity, 1 - min_propensity]``.
    {cross_fit}

    Attributes
    ----------
    estimate_ : Estimate
        The LATE with its standard error (``conf_int()``, ``summary_frame()``).
    complier_share_ : Estimate
        ``E[phi_T]``: the first stage, the share of compliers.
    complier_means_ : ndarray of shape (n_features,)
        Mean covariates of the compliers.
    population_means_ : ndarray of shape (n_features,)
    kappa_ : ndarray of shape (n_samples,)
        Abadie's kappa weights.
    instrument_propensity_ : ndarray of shape (n_samples,)
        Cross-fitted ``p(X)``.
    scores_ : ndarray of shape (n_samples, 2)
        ``phi_Y`` and ``phi_T``.
    effective_f_, first_stage_f_, partial_r2_ : float
        First-stage strength (``T - E[T | X]`` on ``Z - p(X)``).
    categories_, instrument_categories_ : ndarray
        Treatment and instrument levels; the second of each is "treated" /
        "encouraged" (the instrument's levels in sorted order).
    folds_ : list of (train, test)
        Stratified on the instrument.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.iv import LATE
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> X = rng.normal(size=(n, 2)); Z = rng.binomial(1, 0.5, n)
    >>> complier = rng.random(n) < 0.6 + 0.2 * (X[:, 0] > 0)
    >>> T = np.where(complier, Z, 0)
    >>> y = 2 * T + X[:, 1] + rng.normal(size=n)
    >>> est = LATE(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
    ...            instrument_model=LogisticRegression(), cv=3)
    >>> est = est.fit(X, y, treatment=T, instrument=Z)
    >>> round(est.estimate_.value, 2), round(est.complier_share_.value, 2)
    (2.01, 0.7)
    >>> est.complier_summary().round(2)  # complier mean of X0: 0.11
        population  compliers
    X0        -0.0       0.13
    X1         0.0       0.00
    """

    _parameter_constraints: dict = {
        "outcome_model": REGRESSOR,
        "treatment_model": [HasMethods(["fit", "predict"]), None],
        "instrument_model": CLASSIFIER,
        "min_propensity": [Interval(Real, 0, 0.5, closed="left")],
    }

    _default_models = {
        "outcome_model": "outcome",
        "treatment_model": "outcome",
        "instrument_model": "propensity",
    }

    _discrete_targets = {}
    _discrete_treatment = True
    # Read by the shared IV fit: the treatment is a binary label.
    discrete_treatment = True

    def __init__(
        self, *, outcome_model=None, treatment_model=None, instrument_model=None,
        min_propensity=1e-3, cv=5, n_jobs=None, memory=None, random_state=None,
        verbose=0, control=None,
    ):
        self.outcome_model = outcome_model
        self.treatment_model = treatment_model
        self.instrument_model = instrument_model
        self.min_propensity = min_propensity
        self.cv = cv
        self.n_jobs = n_jobs
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose
        self.control = control

    def _instrument_is_discrete(self):
        return True

    def _fit_iv(self, X, y, t, T, inst, sample_weight, groups, folds):
        if len(self.categories_) != 2:
            raise ValueError(
                f"LATE needs a binary treatment; got arms {self.categories_.tolist()}.")
        if len(inst["levels"]) != 2:
            raise ValueError(
                "LATE needs a binary instrument; got levels "
                f"{inst['levels'].tolist()}. Use OrthoIV for a multi-valued one.")
        z = inst["codes"]
        t01 = t.astype(np.float64)
        tm = self._model("treatment_model")
        if is_classifier(tm):
            for level in (0, 1):
                if np.unique(t01[z == level]).size < 2:
                    raise ValueError(
                        "treatment_model is a classifier, but the treatment is constant "
                        f"where instrument = {inst['levels'][level]!r} (one-sided "
                        "noncompliance); pass a regressor (the default) instead.")
        kw = dict(
            n_arms=2, folds=folds, sample_weight=sample_weight, n_jobs=self.n_jobs,
            memory=self.memory, warn=False, verbose=self._progress(),
        )
        ny = cross_fit(
            X, y, z, propensity_model=self._model("instrument_model"),
            outcome_model=self._model("outcome_model"), min_propensity=self.min_propensity,
            **kw)
        nt = cross_fit(X, t01, z, outcome_model=tm, min_propensity=self.min_propensity, **kw)
        nt_scores = Nuisances(propensity=ny.propensity, outcome=nt.outcome, n_arms=2)
        gy, gt = ny.dr_scores(y, z), nt_scores.dr_scores(t01, z)
        phi_y, phi_t = gy[:, 1] - gy[:, 0], gt[:, 1] - gt[:, 0]
        n = X.shape[0]
        share = np.average(phi_t, weights=sample_weight)
        if share <= 0:
            raise ValueError(
                "the estimated share of compliers E[phi_T] is not positive: the "
                "instrument does not move the treatment (or moves it the other way; "
                "swap the instrument's levels), so the LATE is not identified.")
        theta, scores, stderr = _linearised_ratio(phi_y, phi_t, sample_weight)
        s = np.ones(n) if sample_weight is None else sample_weight
        share_scores = s * phi_t / s.mean()
        p = ny.propensity[:, 1]
        kappa = 1.0 - t01 * (1 - z) / (1 - p) - (1 - t01) * z / p
        mean_kappa = np.average(kappa, weights=sample_weight)
        t_hat = p * nt.outcome[:, 1] + (1 - p) * nt.outcome[:, 0]
        fitted = dict(
            estimate_=Estimate(theta, stderr, n=n, scores=scores, names=["LATE"],
                               method="LATE"),
            complier_share_=Estimate(share, np.std(share_scores, ddof=1) / np.sqrt(n),
                                     n=n, scores=share_scores, names=["complier share"],
                                     method="LATE"),
            kappa_=kappa,
            complier_means_=np.average(X, axis=0, weights=kappa * s) if mean_kappa > 0
            else np.full(X.shape[1], np.nan),
            population_means_=np.average(X, axis=0, weights=sample_weight),
            instrument_propensity_=p,
            scores_=np.column_stack([phi_y, phi_t]),
            nuisances_=dict(outcome=ny, treatment=nt),
            _fit_weights=sample_weight, _fit_groups=groups,
        )
        fitted.update(self._diagnose((t01 - t_hat)[:, None], (z - p)[:, None],
                                     sample_weight, groups))
        return fitted

    def complier_summary(self):
        """Mean covariates of the population and of the compliers (Abadie's kappa).

        Returns
        -------
        table : DataFrame
            One row per feature of ``X``, columns ``population`` and
            ``compliers``.
        """
        check_is_fitted(self, "kappa_")
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"X{j}" for j in range(self.n_features_in_)]
        return pd.DataFrame(
            {"population": self.population_means_, "compliers": self.complier_means_},
            index=list(names),
        )

    def ar_interval(self, *, alpha=0.05):
        """Weak-instrument-robust confidence set of the LATE (Anderson-Rubin / Fieller).

        ``{theta : n mean(phi_Y - theta phi_T)^2 <= chi2_1 var(phi_Y - theta
        phi_T)}``: the Anderson-Rubin test applied to the ratio's moment
        (Fieller 1954); unbounded when the complier share is not
        significantly different from zero.

        Parameters
        ----------
        alpha : float, default=0.05

        Returns
        -------
        pieces : ndarray of shape (n_pieces, 2)
            As :meth:`OrthoIV.ar_interval`.
        """
        check_is_fitted(self, "scores_")
        _check_alpha(alpha)
        phi_y, phi_t = self.scores_[:, 0], self.scores_[:, 1]
        return ar_confidence_set(
            phi_y, phi_t, np.ones((phi_y.shape[0], 1)), self._fit_weights,
            self._fit_groups, alpha)
