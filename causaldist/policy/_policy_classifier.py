"""Policy learning by reduction to weighted classification."""

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import has_fit_parameter

from ..base import _atomic_fit
from ._reward_policy import _RewardPolicy

__all__ = ["PolicyClassifier"]


def _classification_targets(R):
    """Labels and weights of the cost-sensitive reduction of a reward matrix.

    ``label_i = argmax_a Gamma_ia`` (ties to the lowest action) and
    ``weight_i = max_a Gamma_ia - min_a Gamma_ia``. For every policy ``pi``,

    ``sum_i (max_a Gamma_ia - Gamma_{i, pi(X_i)})
      <= sum_i weight_i 1{pi(X_i) != label_i}``,

    because a unit's regret is zero when ``pi`` picks its label and at most
    ``max - min`` otherwise. With two actions the bound is an equality and
    the reduction is Athey & Wager's (2021, sec. 2): label the sign of
    ``Gamma_i1 - Gamma_i0``, weight its size (Zadrozny 2003 for the
    weighted-classification view; Beygelzimer & Langford 2009 for
    cost-sensitive reductions).
    """
    return np.argmax(R, axis=1), R.max(axis=1) - R.min(axis=1)


class PolicyClassifier(_RewardPolicy):
    """Policy learned by any scikit-learn classifier through weighted classification.

    For a reward matrix ``Gamma`` (``n x K``, e.g. AIPW scores) the classifier is
    fitted on the labels ``argmax_a Gamma_ia`` with sample weights
    ``s_i (max_a Gamma_ia - min_a Gamma_ia)`` (``s_i`` the ``sample_weight``),
    i.e. it is asked to minimise the weighted misclassification loss

    ``L(pi) = sum_i s_i (max_a Gamma_ia - min_a Gamma_ia) 1{pi(X_i) != argmax_a Gamma_ia}``,

    an upper bound of the (empirical, weighted) regret
    ``sum_i s_i (max_a Gamma_ia - Gamma_{i, pi(X_i)})``. With two actions
    the bound is an equality: the label is the sign of ``Gamma_i1 -
    Gamma_i0`` and the weight ``|Gamma_i1 - Gamma_i0|`` (Athey & Wager 2021),
    so minimising ``L`` maximises the welfare exactly. With ``K > 2`` it is a
    surrogate: a unit whose best action is missed is charged its worst-case
    regret, not the regret of the action chosen. The classifier in turn
    minimises its own surrogate of ``L`` (log-loss for the default logistic
    regression, impurity for trees), so the policy is only as good as that
    surrogate; the regularisation of the classifier acts on the weights in
    the units of ``Gamma``.

    Units with zero weight (every action equally good) carry no information
    and are left out. If the units with positive weight have only one label,
    the policy is that constant action and no classifier is fitted.

    Parameters
    ----------
    classifier : classifier, default=None
        Any classifier whose ``fit`` accepts ``sample_weight``; cloned in fit.
        ``None`` means ``LogisticRegression(max_iter=1000)``.
    costs : array-like of shape (n_actions,), default=None
        Cost of each action in the rewards' units, subtracted from its
        column before fitting and scoring: the policy maximises welfare net
        of cost. ``None`` means no costs.

    Attributes
    ----------
    classifier_ : classifier or None
        The fitted clone; None for a constant policy.
    constant_ : int or None
        Code of the action of a constant policy, else None.
    classes_ : ndarray of shape (n_actions,)
        Action labels: the columns of a DataFrame of rewards, else ``0..K-1``.
    welfare_ : float
        Weighted mean reward of the chosen actions on the training units.
    n_features_in_ : int
    feature_names_in_ : ndarray

    See Also
    --------
    LinearPolicy : direct (smoothed) welfare maximisation over linear rules.
    PolicyTree : exact policy trees.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from causaldist.policy import PolicyClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2))
    >>> rewards = np.column_stack([np.zeros(1000), X[:, 0] + rng.normal(size=1000)])
    >>> policy = PolicyClassifier(DecisionTreeClassifier(max_depth=1)).fit(X, rewards)
    >>> policy.predict([[1.0, 0.0], [-1.0, 0.0]])
    array([1, 0])
    """

    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict"]), None],
        "costs": ["array-like", None],
    }

    def __init__(self, classifier=None, costs=None):
        self.classifier = classifier
        self.costs = costs

    @_atomic_fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, rewards, sample_weight=None):
        """Fit the classifier on the best actions weighted by the reward spread.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rewards : array-like of shape (n_samples, n_actions)
            A DataFrame's columns become ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each unit's classification weight.

        Returns
        -------
        self : PolicyClassifier
        """
        classifier = (
            LogisticRegression(max_iter=1000) if self.classifier is None
            else clone(self.classifier)
        )
        if not has_fit_parameter(classifier, "sample_weight"):
            raise TypeError(
                f"classifier={type(classifier).__name__} does not accept sample_weight "
                "in fit; the reduction to weighted classification needs a classifier "
                "that does."
            )
        X, R, sw = self._validate_fit_rewards(X, rewards, sample_weight)
        labels, spread = _classification_targets(R)
        weight = sw * spread
        keep = weight > 0
        present = np.unique(labels[keep])
        if present.size < 2:
            # One informative label (or none: every unit indifferent) -> the best
            # constant action; a classifier cannot be fitted on one class.
            self.constant_ = int(present[0]) if present.size else int(np.argmax(sw @ R))
            self.classifier_ = None
        else:
            self.constant_ = None
            self.classifier_ = classifier.fit(
                X[keep], labels[keep], sample_weight=weight[keep]
            )
        self.welfare_ = self._welfare(X, R, sw)
        return self

    def _predict_codes(self, X):
        if self.classifier_ is None:
            return np.full(X.shape[0], self.constant_, dtype=np.intp)
        return np.asarray(self.classifier_.predict(X)).astype(np.intp)
