"""AutoModel: a nuisance model chosen among candidates by held-out loss on its own training rows."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier, is_regressor
from sklearn.metrics import log_loss
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..base import _fit_model

__all__ = ["AutoModel"]


def _candidate_name(model):
    if isinstance(model, Pipeline):
        return "+".join(type(step).__name__ for _, step in model.steps)
    return type(model).__name__


def _has_nan(X):
    try:
        return bool(np.isnan(np.asarray(X, dtype=np.float64)).any())
    except (TypeError, ValueError):  # a frame of strings: let the models decide
        return False


class AutoModel(MetaEstimatorMixin, BaseEstimator):
    """The candidate model with the smallest held-out loss, refitted on every row.

    ``fit`` splits the rows it is given once (a holdout of
    ``validation_fraction``, stratified for classifiers), fits every candidate
    on the rest, scores it on the holdout (mean squared error of a regressor,
    log-loss of a classifier's probabilities) and refits the best one on all
    the rows. Fitted inside each fold of the cross-fitting stage
    (:func:`~causaldist.model_selection.cross_fit`), it sees that fold's
    training rows only, so the choice never uses the rows it predicts. One
    holdout rather than an inner k-fold keeps the cost at most about
    ``1 + (1 - validation_fraction)`` times that of the dearest candidate.
    This is econml's ``model_y=[...]`` (a list of candidate models) with a
    holdout instead of its inner cross-validation.

    Parameters
    ----------
    candidates : list of estimators
        All regressors or all classifiers. Candidates that do not accept NaN
        are skipped when ``X`` holds NaN.
    validation_fraction : float, default=0.2
        Share of the rows held out to score the candidates.
    random_state : int, RandomState instance or None, default=None
        Seed of the holdout split.

    Attributes
    ----------
    best_estimator_ : estimator
        The selected candidate, refitted on every row.
    selected_ : str
        Its name (the class names of a pipeline's steps joined by ``+``).
    scores_ : dict
        Held-out loss of every candidate, by name (``inf`` when skipped).
    classes_ : ndarray
        Class labels, for classifiers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.linear_model import RidgeCV
    >>> from causaldist.model_selection import AutoModel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)); y = X @ [1.0, 2.0, 0.0] + rng.normal(size=500)
    >>> model = AutoModel([RidgeCV(), HistGradientBoostingRegressor()], random_state=0)
    >>> model.fit(X, y).selected_
    'RidgeCV'
    """

    _parameter_constraints: dict = {
        "candidates": [list],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, candidates, *, validation_fraction=0.2, random_state=None):
        self.candidates = candidates
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _kind(self):
        if not self.candidates:
            raise ValueError("candidates must be a non-empty list of estimators.")
        if all(is_classifier(c) for c in self.candidates):
            return "classifier"
        if all(is_regressor(c) or not is_classifier(c) for c in self.candidates):
            return "regressor"
        raise ValueError(
            "candidates must be all classifiers or all regressors; got "
            f"{[_candidate_name(c) for c in self.candidates]}."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            kind = self._kind()
        except ValueError:
            return tags
        cand = [get_tags(c) for c in self.candidates]
        tags.estimator_type = kind
        tags.input_tags.allow_nan = any(t.input_tags.allow_nan for t in cand)
        tags.target_tags.multi_output = all(t.target_tags.multi_output for t in cand)
        if kind == "classifier":
            tags.classifier_tags = cand[0].classifier_tags
        else:
            tags.regressor_tags = cand[0].regressor_tags
        return tags

    def fit(self, X, y, sample_weight=None):
        """Score every candidate on a holdout of the rows, then refit the best on all.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every fit and weighting the held-out loss.

        Returns
        -------
        self : AutoModel
        """
        self._validate_params()
        kind = self._kind()
        y = np.asarray(y)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        nan = _has_nan(X)
        usable = [
            i for i, c in enumerate(self.candidates)
            if not nan or get_tags(c).input_tags.allow_nan
        ]
        if not usable:
            raise ValueError("X holds NaN and no candidate accepts NaN.")
        names = [_candidate_name(c) for c in self.candidates]
        names = [n if names.count(n) == 1 else f"{n}_{i}" for i, n in enumerate(names)]
        self.scores_ = {name: np.inf for name in names}
        if len(usable) == 1:
            best = usable[0]
        else:
            split = (StratifiedShuffleSplit if kind == "classifier" else ShuffleSplit)(
                n_splits=1, test_size=self.validation_fraction,
                random_state=self.random_state,
            )
            try:
                train, test = next(split.split(np.zeros(len(y)), y))
            except ValueError:  # a class too rare to stratify
                train, test = next(ShuffleSplit(
                    n_splits=1, test_size=self.validation_fraction,
                    random_state=self.random_state).split(np.zeros(len(y))))
            X_tr, X_te = _safe_indexing(X, train), _safe_indexing(X, test)
            w_tr = None if sw is None else sw[train]
            w_te = None if sw is None else sw[test]
            labels = np.unique(y) if kind == "classifier" else None
            for i in usable:
                model = _fit_model(self.candidates[i], X_tr, y[train], w_tr)
                if kind == "classifier":
                    proba = np.zeros((len(test), len(labels)))
                    proba[:, np.searchsorted(labels, model.classes_)] = model.predict_proba(X_te)
                    loss = log_loss(y[test], np.clip(proba, 1e-12, 1), labels=labels,
                                    sample_weight=w_te)
                else:
                    err = (np.asarray(model.predict(X_te), dtype=np.float64)
                           - y[test]).reshape(len(test), -1)
                    loss = float(np.average(np.mean(err ** 2, axis=1), weights=w_te))
                self.scores_[names[i]] = float(loss)
            best = min(usable, key=lambda i: self.scores_[names[i]])
        self.selected_ = names[best]
        self.best_estimator_ = _fit_model(self.candidates[best], X, y, sw)
        if kind == "classifier":
            self.classes_ = self.best_estimator_.classes_
        if hasattr(self.best_estimator_, "n_features_in_"):
            self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def predict(self, X):
        """Predictions of the selected candidate."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    def predict_proba(self, X):
        """Class probabilities of the selected classifier."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    def score(self, X, y, sample_weight=None):
        """The selected candidate's own ``score`` (R^2 or accuracy)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.score(X, y, sample_weight=sample_weight)
