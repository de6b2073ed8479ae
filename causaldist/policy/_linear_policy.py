"""Linear index policies by smoothed empirical welfare maximisation."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import _atomic_fit
from .._progress import Progress
from ._reward_policy import _RewardPolicy

__all__ = ["LinearPolicy"]

# Temperature used when temperature=None, in the normalised units of
# LinearPolicy (standardised features, rewards over their own spread).
_DEFAULT_TEMPERATURE = (1.0,)


def _smoothed_welfare(theta, Xs, G, w, temperature, alpha):
    """Negated smoothed welfare plus ridge penalty, and its gradient.

    With indices ``z_i = (0, x_i^T B + b)`` (arm 0 fixed at zero) and
    ``p_i = softmax(z_i / T)``,

    ``f(B, b) = - sum_i w_i sum_a p_ia G_ia + alpha ||B||_F^2``

    (``sum_i w_i = 1``). The softmax replaces the indicator
    ``1{a = argmax_c z_ic}`` of the empirical welfare (Kitagawa & Tetenov
    2018; smoothed as in the softmax / surrogate-welfare literature, e.g.
    Swaminathan & Joachims 2015). With ``V_i = sum_a p_ia G_ia``,
    ``dV_i / dz_ib = p_ib (G_ib - V_i) / T``, so the gradient is one
    matrix product: ``df/dB = - X^T D + 2 alpha B``, ``df/db = - 1^T D`` with
    ``D_ib = w_i p_ib (G_ib - V_i) / T`` over the arms ``b >= 1``.
    """
    n, p = Xs.shape
    k = G.shape[1] - 1
    B = theta[: p * k].reshape(p, k)
    b = theta[p * k:]
    z = np.zeros((n, k + 1))
    z[:, 1:] = Xs @ B + b
    P = softmax(z / temperature, axis=1)
    V = np.sum(P * G, axis=1)
    f = -(w @ V) + alpha * np.sum(B * B)
    D = (w / temperature)[:, None] * P[:, 1:] * (G[:, 1:] - V[:, None])
    grad_B = -(Xs.T @ D) + 2.0 * alpha * B
    grad_b = -D.sum(axis=0)
    return f, np.concatenate([grad_B.ravel(), grad_b])


def _codes(Xs, theta, k):
    """Hard rule ``argmax_a z_ia`` (ties to the lowest arm)."""
    p = Xs.shape[1]
    z = np.zeros((Xs.shape[0], k + 1))
    z[:, 1:] = Xs @ theta[: p * k].reshape(p, k) + theta[p * k:]
    return np.argmax(z, axis=1)


class LinearPolicy(_RewardPolicy):
    """Linear index policy that maximises the welfare on a reward matrix.

    The policy class is ``pi(x) = argmax_a (x^T beta_a + b_a)`` with arm 0's
    coefficients fixed at zero (ties go to the lowest arm). The empirical
    welfare ``W(pi) = sum_i w_i Gamma_{i, pi(X_i)} / sum_i w_i`` (Kitagawa &
    Tetenov 2018; Athey & Wager 2021 with AIPW scores) is piecewise constant
    in the coefficients, so it is maximised through the smooth surrogate

    ``S_T(beta, b) = mean_i sum_a softmax_a(z_i / T) Gamma_ia - alpha ||beta||^2``

    with ``z_ia = x_i^T beta_a + b_a``, by L-BFGS-B with the analytic
    gradient (see ``_smoothed_welfare``). Internally the features are
    standardised (weighted mean 0, standard deviation 1) and the rewards are
    centred per row and divided by their root mean square, so ``alpha`` and
    ``temperature`` are unit-free. Since ``softmax(z / T)`` depends on
    ``beta / T`` only, temperature ``T`` with penalty ``alpha`` is the same
    problem as temperature 1 with penalty ``alpha T^2``: lowering ``T`` makes
    the surrogate closer to the hard welfare and the problem less smooth.

    Optimisation is restarted from several points and the solution with the
    best *hard* training welfare is kept, the starting points included, so
    the learned policy's training welfare is never below that of:

    - ``"constant"``: the best single action;
    - ``"plug-in"``: argmax of a (weighted, lightly ridged) least-squares fit
      of every action's reward on ``x`` (a linear index rule itself);
    - ``"logistic"``: multinomial logistic regression of the best action
      ``argmax_a Gamma_ia`` on ``x`` weighted by ``max_a Gamma_ia - min_a
      Gamma_ia`` (the reduction of :class:`PolicyClassifier`);
    - ``"random-j"``: ``n_restarts`` Gaussian starts from ``random_state``.

    Parameters
    ----------
    alpha : float, default=1e-3
        Ridge penalty on the standardised slopes (not on the intercepts). It
        keeps the surrogate's maximiser finite (without it, sharpening a
        separating rule always raises the surrogate); it is not a complexity
        control of the policy, since the unpenalised starts are candidates too.
    temperature : float, sequence of floats or None, default=None
        Softmax temperature(s) in the normalised units above, hence
        scale-aware: multiplying the rewards or rescaling a feature does not
        change its meaning. A decreasing sequence is an annealing schedule:
        each temperature is solved from the previous solution and every
        solution is a candidate. ``None`` means ``1.0`` (see Notes).
    max_iter : int, default=100
        L-BFGS-B iterations per temperature and start.
    n_restarts : int, default=2
        Number of random starts in addition to the three deterministic ones.
    random_state : int, RandomState instance or None, default=0
        Seed of the random starts; the default fixes it, so that ``fit`` is
        deterministic.
    verbose : int, default=0
        Progress on standard output: 1 a line per start (its hard-rule
        welfare, the best so far, the elapsed time), 2 also a line per
        temperature of each start's annealing. The policy does not depend
        on it.
    costs : array-like of shape (n_actions,), default=None
        Cost of each action in the rewards' units, subtracted from its
        column before fitting and scoring: the policy maximises welfare net
        of cost. ``None`` means no costs.

    Attributes
    ----------
    coef_ : ndarray of shape (n_actions, n_features)
        ``beta_a`` in the units of ``X``; row 0 is zero.
    intercept_ : ndarray of shape (n_actions,)
        ``b_a``; ``intercept_[0] = 0``.
    classes_ : ndarray of shape (n_actions,)
        Action labels: the columns of a DataFrame of rewards, else ``0..K-1``.
    welfare_ : float
        Weighted mean reward of the chosen actions on the training units.
    start_ : str
        The start the kept solution came from (``"constant"``, ``"plug-in"``,
        ``"logistic"`` or ``"random-j"``).
    n_iter_ : int
        L-BFGS-B iterations of the kept solution (0 if it is a start).
    n_features_in_ : int
    feature_names_in_ : ndarray

    Notes
    -----
    Annealing to low temperatures, e.g. ``temperature=(1.0, 0.3, 0.1)``,
    approximates the empirical welfare maximiser of Kitagawa & Tetenov
    (2018), whose regret is ``O(sqrt(d / n))``, ``d = (p + 1)(K - 1)``, with no
    model of the rewards. A single moderate temperature keeps the surrogate
    smoother: less variance, some bias. On noisy rewards (noise sd 2 against
    reward differences of order 1, p = 3, n = 500-8000) the default
    ``1.0`` had lower regret than that schedule in 5 of 6 settings, by up to
    3.6x (``benchmarks/bench_linear_policy.py``), hence the default; tune it
    with ``GridSearchCV`` on held-out rewards, through ``score``.

    See Also
    --------
    PolicyTree : exact policy trees on the same reward matrices.
    PolicyClassifier : reduction to weighted classification.

    Examples
    --------
    >>> import numpy as np
    >>> from causaldist.policy import LinearPolicy
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2))
    >>> gain = X[:, 0] - X[:, 1]  # treating pays off iff x0 > x1
    >>> rewards = np.column_stack([np.zeros(1000), gain + rng.normal(size=1000)])
    >>> policy = LinearPolicy().fit(X, rewards)
    >>> policy.predict([[1.0, -1.0], [-1.0, 1.0]])
    array([1, 0])
    >>> bool(policy.score(X, np.column_stack([np.zeros(1000), gain])) > 0.5)
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_restarts": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "costs": ["array-like", None],
    }

    def __init__(
        self, alpha=1e-3, temperature=None, max_iter=100, n_restarts=2, random_state=0,
        verbose=0, costs=None,
    ):
        self.alpha = alpha
        self.temperature = temperature
        self.max_iter = max_iter
        self.n_restarts = n_restarts
        self.random_state = random_state
        self.verbose = verbose
        self.costs = costs

    def _schedule(self):
        if self.temperature is None:
            return _DEFAULT_TEMPERATURE
        temps = np.atleast_1d(np.asarray(self.temperature, dtype=np.float64))
        if temps.ndim != 1 or temps.size == 0 or not np.all(np.isfinite(temps) & (temps > 0)):
            raise ValueError(
                "temperature must be a positive float, a non-empty sequence of "
                f"positive floats or None; got {self.temperature!r}."
            )
        return tuple(temps)

    @_atomic_fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, rewards, sample_weight=None):
        """Maximise the smoothed welfare from every start; keep the best hard rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rewards : array-like of shape (n_samples, n_actions)
            ``Gamma_ia``, e.g. AIPW scores. A DataFrame's columns become
            ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the units in the welfare.

        Returns
        -------
        self : LinearPolicy
        """
        schedule = self._schedule()
        X, R, sw = self._validate_fit_rewards(X, rewards, sample_weight)
        n, p = X.shape
        k = R.shape[1] - 1
        w = sw / sw.sum()

        # Weighted standardisation, so that zero weights equal dropped rows.
        mean = w @ X
        sd = np.sqrt(w @ (X - mean) ** 2)
        sd[sd <= 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
        Xs = (X - mean) / sd
        # Centring each row changes every policy's welfare by the same amount
        # (the softmax sums to one); the scale makes alpha and T unit-free.
        G = R - R.mean(axis=1, keepdims=True)
        # Squares taken after dividing by the largest |G|: rewards near the
        # largest float would overflow to an infinite scale.
        big = np.max(np.abs(G)) if G.size else 0.0
        scale = big * np.sqrt(w @ np.mean((G / big) ** 2, axis=1)) if big > 0 else 0.0
        if scale > 0:
            G = G / scale

        starts = self._starts(Xs, G, R, w, sw)
        progress = Progress(self.verbose, type(self).__name__)
        best = None
        for j, (name, theta) in enumerate(starts, 1):
            for step, (theta, n_iter) in enumerate(self._anneal(theta, Xs, G, w, schedule)):
                welfare = w @ R[np.arange(n), _codes(Xs, theta, k)]
                if best is None or welfare > best[0]:
                    best = (welfare, theta, name, n_iter)
                if step:
                    progress(
                        2, f"start {name}, temperature {schedule[step - 1]:g}: welfare "
                           f"{welfare:.6g} after {n_iter} iterations",
                    )
            progress(
                1, f"start {j}/{len(starts)} ({name}) done: welfare {welfare:.6g}, best "
                   f"{best[0]:.6g} (start {best[2]}), elapsed {progress.elapsed()}",
            )
        _, theta, self.start_, self.n_iter_ = best

        B = theta[: p * k].reshape(p, k) / sd[:, None]
        self.coef_ = np.vstack([np.zeros(p), B.T])
        self.intercept_ = np.concatenate([[0.0], theta[p * k:] - mean @ B])
        self.welfare_ = self._welfare(X, R, sw)
        return self

    def _starts(self, Xs, G, R, w, sw):
        """The deterministic starts, then the random ones, as (name, theta)."""
        n, p = Xs.shape
        K = G.shape[1]

        def pack(B, b):
            return np.concatenate([np.asarray(B, dtype=np.float64).ravel(), b])

        best_arm = int(np.argmax(w @ R))
        v = np.zeros(K)
        v[best_arm] = 2.0
        starts = [("constant", pack(np.zeros((p, K - 1)), v[1:] - v[0]))]

        # Least squares of every (normalised) reward column on [Xs, 1].
        Z = np.hstack([Xs, np.ones((n, 1))])
        gram = Z.T @ (w[:, None] * Z) + 1e-6 * np.diag(np.r_[np.ones(p), 0.0])
        coef = np.linalg.lstsq(gram, Z.T @ (w[:, None] * G), rcond=None)[0]
        contrast = coef[:, 1:] - coef[:, [0]]
        starts.append(("plug-in", pack(contrast[:p], contrast[p])))

        labels = np.argmax(G, axis=1)
        weight = sw * (G.max(axis=1) - G.min(axis=1))
        keep = weight > 0
        if np.unique(labels[keep]).size >= 2:
            with warnings.catch_warnings():
                # Only a starting point: an unconverged fit is still a start.
                warnings.simplefilter("ignore", ConvergenceWarning)
                lr = LogisticRegression(max_iter=1000).fit(
                    Xs[keep], labels[keep], sample_weight=weight[keep]
                )
            full_coef = np.zeros((K, p))
            # Actions never best: an index far below the others.
            full_int = np.full(K, -10.0)
            cls = lr.classes_.astype(np.intp)
            if cls.size == 2:
                full_int[cls] = [0.0, lr.intercept_[0]]
                full_coef[cls[1]] = lr.coef_[0]
            else:
                full_int[cls] = lr.intercept_
                full_coef[cls] = lr.coef_
            starts.append(
                ("logistic", pack((full_coef[1:] - full_coef[0]).T, full_int[1:] - full_int[0]))
            )

        rng = check_random_state(self.random_state)
        for j in range(self.n_restarts):
            starts.append(
                (f"random-{j}", pack(rng.normal(size=(p, K - 1)), rng.normal(size=K - 1)))
            )
        return starts

    def _anneal(self, theta, Xs, G, w, schedule):
        """Yield the start, then the solution at each temperature (warm-started)."""
        yield theta, 0
        total = 0
        for temperature in schedule:
            res = minimize(
                _smoothed_welfare, theta, args=(Xs, G, w, temperature, self.alpha),
                jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter},
            )
            theta, total = res.x, total + res.nit
            yield theta, total

    def decision_function(self, X):
        """Index ``x^T beta_a + b_a`` of every action; the policy is its argmax.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        indices : ndarray of shape (n_samples, n_actions)
            Column 0 (the reference action) is zero.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_

    def _predict_codes(self, X):
        return np.argmax(X @ self.coef_.T + self.intercept_, axis=1)
