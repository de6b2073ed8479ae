"""Causal scorers for model selection without counterfactuals.

A scorer is called as ``scorer(estimator, X, y, treatment=..., sample_weight=None)``
and returns a float, higher is better. The nuisances it needs are cross-fitted
on the scored (validation) data through the shared stage, so that with a
``memory`` one validation fold is fitted once however many candidates are scored
on it (Schuler et al. 2018; seed 002, "Empirical Analysis of Model Selection for
Heterogeneous Causal Effect Estimation").
"""

import sys

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.validation import check_is_fitted

from ._crossfit import cross_fit, make_folds

__all__ = ["DRMSEScorer", "PolicyValueScorer", "RLossScorer"]

_ROUTING_MESSAGE = (
    "{name} needs the treatment of the scored rows, and scikit-learn did not pass "
    "it. Enable metadata routing with sklearn.set_config("
    "enable_metadata_routing=True) so that GridSearchCV / cross_validate forward "
    "`treatment` to the scorer, and pass treatment=... to their fit."
)


_SKLEARN_CALLERS = ("sklearn.model_selection._validation", "sklearn.metrics._scorer")


class _MissingTreatment:
    """What a scorer returns to sklearn's ``_score`` when treatment is missing.

    ``_score`` turns any exception raised by a scorer into ``error_score``
    (NaN by default) and lets the search refit an arbitrary candidate. Its one
    check outside that ``try`` is that the score is a number, so returning this
    object makes it raise ``ValueError`` with the message below instead.
    """

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return self.message


class _CausalScorer:
    """Base of causaldist's scorers: treatment requested through routing.

    Subclasses implement ``_score(estimator, X, y, t_codes, sample_weight)``.
    scikit-learn reads ``__metadata_request__score`` only for classes with a
    ``score`` method, so the request is built here the way
    ``sklearn.metrics._scorer._BaseScorer`` builds its own.
    """

    def get_metadata_routing(self):
        request = MetadataRequest(owner=self)
        request.score.add_request(param="treatment", alias=True)
        request.score.add_request(param="sample_weight", alias=True)
        return request

    def __call__(self, estimator, X, y, treatment=None, sample_weight=None):
        if treatment is None:
            message = _ROUTING_MESSAGE.format(name=type(self).__name__)
            # With routing off, sklearn's _score (GridSearchCV, cross_val_score)
            # and _MultimetricScorer (cross_validate) turn a raised error into a
            # NaN score and go on to refit an arbitrary candidate. Their one
            # check outside a try is "scoring must return a number", so there
            # a non-number whose repr is the message makes them fail loudly.
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller in _SKLEARN_CALLERS:
                return _MissingTreatment(message)
            raise ValueError(message)
        check_is_fitted(estimator)
        X_valid = estimator._validate_X_predict(X)
        y = np.asarray(y, dtype=np.float64)
        if y.shape[0] != X_valid.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {X_valid.shape[0]} rows.")
        t = estimator._codes_of(np.asarray(treatment), "treatment")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        return float(self._score(estimator, X, X_valid, y, t, sample_weight))

    def __repr__(self):
        return f"{type(self).__name__}()"


class _CrossFittedScorer(_CausalScorer):
    """A causal scorer whose nuisances are cross-fitted on the scored rows."""

    def __init__(
        self, propensity_model=None, outcome_model=None, cv=5, min_propensity=1e-3,
        memory=None, random_state=None,
    ):
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.cv = cv
        self.min_propensity = min_propensity
        self.memory = memory
        self.random_state = random_state

    def _nuisances(self, X, y, t, n_arms, sample_weight, *, outcome, marginal=False):
        folds = make_folds(self.cv, t, random_state=self.random_state)
        return cross_fit(
            X, y, t, n_arms=n_arms, folds=folds,
            propensity_model=clone(self.propensity_model or LogisticRegression(max_iter=1000)),
            outcome_model=(
                clone(self.outcome_model or HistGradientBoostingRegressor(early_stopping=False))
                if outcome else None
            ),
            marginal_model=(
                clone(self.outcome_model or HistGradientBoostingRegressor(early_stopping=False))
                if marginal else None
            ),
            sample_weight=sample_weight, min_propensity=self.min_propensity,
            memory=self.memory,
        )


def _cate_matrix(estimator, X):
    tau = np.asarray(estimator.predict(X), dtype=np.float64)
    return tau.reshape(tau.shape[0], -1)


class DRMSEScorer(_CrossFittedScorer):
    """Negated mean squared error against the DR pseudo-outcome; higher is better.

    ``score = - mean_i mean_a (phi_ia - tau_a(X_i))^2`` with the pseudo-outcome
    ``phi_ia = Gamma_i(a) - Gamma_i(0)``, ``Gamma`` the AIPW scores (Kennedy 2023;
    Saito & Yasui 2020), averaged over the arms ``a = 1..K-1``. Since
    ``E[phi_a | X] = tau_a(X)`` when either nuisance is right, the expected score
    is ``-E[(tau_a - tau_hat_a)^2]`` up to a constant that does not depend on the
    candidate: ranking candidates by it ranks them by PEHE.

    Parameters
    ----------
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    outcome_model : regressor, default=None
        Per-arm outcome model; ``None`` means a HistGradientBoostingRegressor.
    cv : int, splitter or iterable, default=5
        Cross-fitting folds on the scored data.
    min_propensity : float, default=1e-3
    memory : None, str or joblib.Memory, default=None
        Cache of the validation nuisances, shared by every candidate scored on
        the same rows.
    random_state : int or None, default=None
        Shuffling of the folds.
    arms : label, list of labels or None, default=None
        Treated arms whose contrast with control is scored (labels as in the
        estimator's ``categories_``). ``None`` scores every treated arm and
        averages the squared errors over the arms: with K arms the score is
        ``- mean_i mean_{a=1..K-1} (phi_ia - tau_a(X_i))^2``.

    Examples
    --------
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.metalearners import TLearner
    >>> from causaldist.model_selection import DRMSEScorer
    >>> X, y, t, tau = make_heterogeneous(n_samples=600, random_state=0)
    >>> learner = TLearner().fit(X[:300], y[:300], treatment=t[:300])
    >>> score = DRMSEScorer(cv=3)(learner, X[300:], y[300:], treatment=t[300:])
    >>> bool(score < 0)
    True
    """

    def __init__(
        self, propensity_model=None, outcome_model=None, cv=5, min_propensity=1e-3,
        memory=None, random_state=None, arms=None,
    ):
        super().__init__(
            propensity_model, outcome_model, cv, min_propensity, memory, random_state
        )
        self.arms = arms

    def _score(self, estimator, X, X_valid, y, t, sample_weight):
        n_arms = len(estimator.categories_)
        nuis = self._nuisances(X_valid, y, t, n_arms, sample_weight, outcome=True)
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        cols = slice(None)
        if self.arms is not None:
            codes = estimator._codes_of(np.atleast_1d(np.asarray(self.arms)), "arms")
            if np.any(codes == 0):
                raise ValueError(
                    f"arms must name treated arms, not the control "
                    f"{estimator.categories_[0]!r}."
                )
            cols = codes - 1
        sq = np.mean((phi - _cate_matrix(estimator, X))[:, cols] ** 2, axis=1)
        return -np.average(sq, weights=sample_weight)


class RLossScorer(_CrossFittedScorer):
    """Negated R-loss (Nie & Wager 2021); higher is better.

    ``score = - mean_i [(Y_i - m(X_i)) - sum_a (1{A_i = a} - e_a(X_i)) tau_a(X_i)]^2``
    with ``m(x) = E[Y | X = x]`` and ``e_a`` cross-fitted on the scored data,
    the sum over the treated arms ``a = 1..K-1`` (the multi-arm R-loss of the
    Robinson decomposition ``Y - m = sum_a (1{A = a} - e_a) tau_a + noise``).
    With K arms the loss is therefore joint over every arm's contrast with
    control (one residual per unit), so unlike :class:`DRMSEScorer` it has no
    ``arms`` selection.

    Parameters
    ----------
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    outcome_model : regressor, default=None
        Model of ``m(x)``; ``None`` means a HistGradientBoostingRegressor.
    cv : int, splitter or iterable, default=5
    min_propensity : float, default=1e-3
    memory : None, str or joblib.Memory, default=None
    random_state : int or None, default=None

    Examples
    --------
    >>> from causaldist.model_selection import RLossScorer
    >>> RLossScorer(cv=3)
    RLossScorer()
    """

    def _score(self, estimator, X, X_valid, y, t, sample_weight):
        n_arms = len(estimator.categories_)
        nuis = self._nuisances(
            X_valid, y, t, n_arms, sample_weight, outcome=False, marginal=True
        )
        onehot = np.eye(n_arms)[t]
        resid_t = (onehot - nuis.propensity)[:, 1:]
        fitted = np.sum(resid_t * _cate_matrix(estimator, X), axis=1)
        return -np.average((y - nuis.marginal - fitted) ** 2, weights=sample_weight)


class PolicyValueScorer(_CrossFittedScorer):
    """DR value of the policy an estimator recommends on the scored rows; higher is better.

    ``score = sum_i w_i Gamma_i(pi(X_i)) / sum_i w_i`` where ``pi(X_i)`` is the
    estimator's ``predict(X)`` (a treatment label per row) and ``Gamma`` the
    AIPW scores ``mu_a(X_i) + 1{A_i = a} / e_a(X_i) (Y_i - mu_a(X_i))``
    cross-fitted on the scored rows (Dudik, Langford & Li 2011; Athey & Wager
    2021). It is unbiased for the policy's value when either nuisance is
    right, so ranking candidates by it ranks their policies by value. With
    ``memory`` the nuisances of one validation fold are fitted once for every
    candidate scored on it.

    The estimator must be a :class:`causaldist.base.BaseCausalEstimator`
    whose ``predict`` returns treatment labels, e.g.
    :class:`causaldist.policy.DRPolicyTree`. Learners fitted on a reward
    matrix (``PolicyTree``, ``LinearPolicy``, ``PolicyClassifier``) need no
    scorer: their ``score(X, rewards)`` is the mean reward of the chosen
    actions.

    Parameters
    ----------
    propensity_model : classifier, default=None
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    outcome_model : regressor, default=None
        Per-arm outcome model; ``None`` means a HistGradientBoostingRegressor.
    cv : int, splitter or iterable, default=5
        Cross-fitting folds on the scored data.
    min_propensity : float, default=1e-3
    memory : None, str or joblib.Memory, default=None
        Cache of the validation nuisances, shared by every candidate scored on
        the same rows.
    random_state : int or None, default=None
        Shuffling of the folds.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from causaldist.datasets import make_heterogeneous
    >>> from causaldist.model_selection import PolicyValueScorer
    >>> from causaldist.policy import DRPolicyTree
    >>> X, y, t, tau = make_heterogeneous(n_samples=600, random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     search = GridSearchCV(
    ...         DRPolicyTree(LinearRegression(), cv=2), {"max_depth": [1, 2]},
    ...         scoring=PolicyValueScorer(outcome_model=LinearRegression(), cv=2), cv=2,
    ...     ).fit(X, y, treatment=t)
    >>> sorted(search.cv_results_["param_max_depth"].tolist())
    [1, 2]
    """

    def _score(self, estimator, X, X_valid, y, t, sample_weight):
        n_arms = len(estimator.categories_)
        nuis = self._nuisances(X_valid, y, t, n_arms, sample_weight, outcome=True)
        gamma = nuis.dr_scores(y, t)
        chosen = np.asarray(estimator.predict(X))
        if chosen.shape != (X_valid.shape[0],):
            raise ValueError(
                f"{type(estimator).__name__}.predict must return one treatment label "
                f"per row for PolicyValueScorer; got shape {chosen.shape}."
            )
        codes = estimator._codes_of(chosen, "predict(X)")
        return np.average(gamma[np.arange(X_valid.shape[0]), codes], weights=sample_weight)
