"""Causal scorers for model selection without counterfactuals.

A scorer is called as ``scorer(estimator, X, y, treatment=..., sample_weight=None)``
and returns a float, higher is better. The nuisances it needs are cross-fitted
on the scored (validation) data through the shared stage, so that with a
``memory`` one validation fold is fitted once however many candidates are scored
on it (Schuler et al. 2018; Mahajan et al. 2024, "Empirical Analysis of Model
Selection for Heterogeneous Causal Effect Estimation").
"""

import numpy as np
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.validation import check_array, check_is_fitted

from ..base import _as_label_array, _codes_of, _missing_treatment, _one_inner_thread
from .._defaults import _resolve_model
from ._stage import _shared_stage

__all__ = ["DRMSEScorer", "PolicyValueScorer", "RLossScorer"]


def _final_estimator(estimator):
    """The last step of a Pipeline (public ``steps``), else the estimator itself."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def _categories(estimator):
    """The fitted arms of a causal estimator or of a Pipeline ending in one."""
    final = _final_estimator(estimator)
    check_is_fitted(final)
    categories = getattr(final, "categories_", None)
    if categories is None:
        raise TypeError(
            f"{type(final).__name__} has no categories_: a causal scorer needs a "
            "fitted causaldist estimator (or a Pipeline ending in one)."
        )
    return categories


def _scoring_X(X):
    """``X`` for the scorer's own nuisance models: numeric if it converts, else as given."""
    if hasattr(X, "iloc"):
        try:
            return check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        except (TypeError, ValueError):
            return X  # a mixed DataFrame: for nuisance pipelines that encode it
    return check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")


class _CausalScorer:
    """Base of causaldist's scorers: treatment requested through routing.

    Subclasses implement ``_score(estimator, X, X_valid, y, t_codes,
    sample_weight, categories)``. They touch the estimator only through its
    public API (``predict``, ``categories_``, a Pipeline's ``steps``), so a
    ``Pipeline`` whose last step is a causal estimator is scored like the
    estimator itself. scikit-learn reads ``__metadata_request__score`` only
    for classes with a ``score`` method, so the request is built here the way
    ``sklearn.metrics._scorer._BaseScorer`` builds its own.
    """

    def get_metadata_routing(self):
        request = MetadataRequest(owner=self)
        request.score.add_request(param="treatment", alias=True)
        request.score.add_request(param="sample_weight", alias=True)
        return request

    @_one_inner_thread
    def __call__(self, estimator, X, y, treatment=None, sample_weight=None):
        if treatment is None:
            return _missing_treatment(type(self).__name__, depth=3)
        categories = _categories(estimator)
        X_valid = _scoring_X(X)
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim != 1 or y.shape[0] != X_valid.shape[0]:
            raise ValueError(
                f"y must have one entry per row of X ({X_valid.shape[0]}); got shape "
                f"{y.shape}."
            )
        t = _codes_of(_as_label_array(treatment, "treatment"), categories, "treatment")
        if t.shape[0] != y.shape[0]:
            raise ValueError(f"treatment has {t.shape[0]} entries but X has {y.shape[0]} rows.")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != y.shape or np.any(sample_weight < 0):
                raise ValueError("sample_weight must be non-negative, one per row.")
        return float(self._score(estimator, X, X_valid, y, t, sample_weight, categories))

    def __repr__(self):
        return f"{type(self).__name__}()"


class _CrossFittedScorer(_CausalScorer):
    """A causal scorer whose nuisances are cross-fitted on the scored rows."""

    _default_models = {"propensity_model": "propensity", "outcome_model": "outcome"}

    def __init__(
        self, *, propensity_model=None, outcome_model=None, cv=5, min_propensity=1e-3,
        memory=None, random_state=None,
    ):
        self.propensity_model = propensity_model
        self.outcome_model = outcome_model
        self.cv = cv
        self.min_propensity = min_propensity
        self.memory = memory
        self.random_state = random_state

    def _nuisances(self, X, y, t, n_arms, sample_weight, *, outcome, marginal=False):
        return _shared_stage(
            self, X, y, t, n_arms, sample_weight,
            propensity_model=_resolve_model(self, "propensity_model"),
            outcome_model=_resolve_model(self, "outcome_model") if outcome else None,
            marginal_model=_resolve_model(self, "outcome_model") if marginal else None,
        )[1]


class _RefitScoringMixin:
    """The nuisances of ``CATEMixin``'s DR score, cross-fitted on the scored rows.

    Estimators without both nuisance models fitted in ``fit`` (S- and
    T-learners, uplift models) inherit this: their ``score`` cross-fits a
    propensity and their own outcome model class on the scored rows, as
    :class:`DRMSEScorer` does. Learners with fitted nuisances override
    ``_scoring_nuisances`` to predict them instead.
    """

    def _scoring_nuisances(self, X, y, t, sample_weight):
        """Propensity and outcome nuisances on the scored rows."""
        params = self.get_params()
        outcome = self._model("outcome_model") if "outcome_model" in params else None
        propensity = (
            self._model("propensity_model") if "propensity_model" in params else None
        )
        scorer = DRMSEScorer(
            outcome_model=outcome, propensity_model=propensity,
            cv=2 if X.shape[0] < 10 else 5, random_state=0,
        )
        return scorer._nuisances(X, y, t, len(self.categories_), sample_weight, outcome=True)


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
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
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
        self, *, propensity_model=None, outcome_model=None, cv=5, min_propensity=1e-3,
        memory=None, random_state=None, arms=None,
    ):
        super().__init__(
            propensity_model=propensity_model, outcome_model=outcome_model, cv=cv,
            min_propensity=min_propensity, memory=memory, random_state=random_state,
        )
        self.arms = arms

    def _score(self, estimator, X, X_valid, y, t, sample_weight, categories):
        n_arms = len(categories)
        nuis = self._nuisances(X_valid, y, t, n_arms, sample_weight, outcome=True)
        gamma = nuis.dr_scores(y, t)
        phi = gamma[:, 1:] - gamma[:, [0]]
        cols = slice(None)
        if self.arms is not None:
            codes = _codes_of(np.atleast_1d(np.asarray(self.arms)), categories, "arms")
            if np.any(codes == 0):
                raise ValueError(
                    f"arms must name treated arms, not the control {categories[0]!r}."
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
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
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

    def _score(self, estimator, X, X_valid, y, t, sample_weight, categories):
        n_arms = len(categories)
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

    The estimator must be a causaldist estimator (or a Pipeline ending in
    one) whose ``predict`` returns treatment labels, e.g.
    :class:`causaldist.policy.DRPolicyTree`. Learners fitted on a reward
    matrix (``PolicyTree``, ``LinearPolicy``, ``PolicyClassifier``) need no
    scorer: their ``score(X, rewards)`` is the mean reward of the chosen
    actions; ``DRPolicyTree``'s own ``score`` uses its fitted nuisances.

    Parameters
    ----------
    propensity_model : classifier, default=None
        ``None`` means ``StandardScaler`` + ``LogisticRegression``.
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
    ...         DRPolicyTree(outcome_model=LinearRegression(), cv=2), {"max_depth": [1, 2]},
    ...         scoring=PolicyValueScorer(outcome_model=LinearRegression(), cv=2), cv=2,
    ...     ).fit(X, y, treatment=t)
    >>> sorted(search.cv_results_["param_max_depth"].tolist())
    [1, 2]
    """

    def _score(self, estimator, X, X_valid, y, t, sample_weight, categories):
        n_arms = len(categories)
        nuis = self._nuisances(X_valid, y, t, n_arms, sample_weight, outcome=True)
        gamma = nuis.dr_scores(y, t)
        chosen = np.asarray(estimator.predict(X))
        if chosen.shape != (X_valid.shape[0],):
            raise ValueError(
                f"{type(estimator).__name__}.predict must return one treatment label "
                f"per row for PolicyValueScorer; got shape {chosen.shape}."
            )
        codes = _codes_of(chosen, categories, "predict(X)")
        return np.average(gamma[np.arange(X_valid.shape[0]), codes], weights=sample_weight)
