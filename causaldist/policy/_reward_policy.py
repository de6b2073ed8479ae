"""Base class of the policy learners fitted on a reward matrix ``fit(X, rewards)``."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["check_rewards"]


def check_rewards(rewards, n_samples, name="rewards"):
    """Validate a reward matrix: finite, shape (n_samples, n_actions >= 2).

    Parameters
    ----------
    rewards : array-like or DataFrame of shape (n_samples, n_actions)
    n_samples : int
        Number of rows of ``X`` it goes with.
    name : str, default="rewards"
        Name used in error messages.

    Returns
    -------
    R : ndarray of shape (n_samples, n_actions)

    Examples
    --------
    >>> from causaldist.policy._reward_policy import check_rewards
    >>> check_rewards([[0, 1], [2, 3]], 2)
    array([[0., 1.],
           [2., 3.]])
    """
    if hasattr(rewards, "to_numpy"):
        rewards = rewards.to_numpy()
    R = np.asarray(rewards, dtype=np.float64)
    if R.ndim != 2 or R.shape[1] < 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_actions) with at least two "
            f"actions; got shape {R.shape}."
        )
    if R.shape[0] != n_samples:
        raise ValueError(f"{name} has {R.shape[0]} rows but X has {n_samples}.")
    if not np.all(np.isfinite(R)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return R


class _RewardPolicy(BaseEstimator):
    """Shared conventions of the policy learners fitted on a reward matrix.

    ``fit(X, rewards, sample_weight=None)`` with ``rewards`` a finite
    ``(n_samples, n_actions)`` matrix ``Gamma``, less the per-action
    ``costs`` when the learner has them; ``classes_`` are the columns
    of a DataFrame of rewards, else ``0..K-1``; ``predict`` returns labels
    from ``classes_``; ``welfare_`` is the weighted mean training reward of
    the chosen actions and ``score`` the same on other rows, so that
    ``GridSearchCV(learner, grid).fit(X, rewards)`` tunes on held-out
    welfare. Subclasses implement ``_predict_codes(X)`` for validated ``X``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags

    def _validate_fit_rewards(self, X, rewards, sample_weight):
        """Validate ``X``, the reward matrix and the weights; set ``classes_``."""
        if rewards is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None: pass the reward matrix, fit(X, rewards)."
            )
        classes = np.asarray(rewards.columns) if hasattr(rewards, "columns") else None
        # One row is no policy problem: any rule "fits" it.
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        R = check_rewards(rewards, X.shape[0])
        R = self._net_of_costs(R)
        sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not sw.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        self.classes_ = np.arange(R.shape[1]) if classes is None else classes
        return X, R, sw

    def _net_of_costs(self, R):
        """``Gamma_ia - c_a``: the rewards net of the per-action ``costs``, if any.

        Costs are in the rewards' units (e.g. the outcome value of one euro
        spent), one per column; a policy then maximises welfare net of cost,
        ``sum_i w_i (Gamma_{i, pi(X_i)} - c_{pi(X_i)})``, and ``score`` and
        ``welfare_`` are net of cost as well.
        """
        costs = getattr(self, "costs", None)
        if costs is None:
            return R
        c = np.asarray(costs, dtype=np.float64)
        if c.ndim != 1 or c.shape[0] != R.shape[1] or not np.all(np.isfinite(c)):
            raise ValueError(
                f"costs must hold one finite cost per action ({R.shape[1]}); got "
                f"{np.shape(costs)}."
            )
        return R - c

    def _welfare(self, X, R, sw):
        """``sum_i w_i Gamma_{i, pi(X_i)} / sum_i w_i`` for validated inputs."""
        codes = self._predict_codes(X)
        return float(np.average(R[np.arange(X.shape[0]), codes], weights=sw))

    def _predict_codes(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, X):
        """Recommended action of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        actions : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.classes_[self._predict_codes(X)]

    def score(self, X, rewards, sample_weight=None):
        """Mean reward of the chosen actions (empirical welfare); higher is better.

        ``score = sum_i w_i Gamma_{i, pi(X_i)} / sum_i w_i``. With held-out AIPW
        scores as ``rewards`` this is the DR estimate of the policy's value
        (Athey & Wager 2021), so ``GridSearchCV(..., scoring=None).fit(X,
        rewards)`` tunes on it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rewards : array-like of shape (n_samples, n_actions)
            Columns in the order of ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        R = check_rewards(rewards, X.shape[0])
        if R.shape[1] != len(self.classes_):
            raise ValueError(
                f"rewards has {R.shape[1]} columns but the policy was fitted on "
                f"{len(self.classes_)} actions."
            )
        sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        return self._welfare(X, self._net_of_costs(R), sw)
