"""What the uplift models share: binary outcomes and positive-class probabilities."""

import numpy as np
from sklearn.base import is_classifier


def check_binary_outcome(y, *, what):
    """Raise a ValueError naming ``y`` unless it only holds 0 and 1.

    ``what`` says which model needs a binary outcome, for the message.
    """
    values = np.unique(y)
    if not np.all(np.isin(values, (0.0, 1.0))):
        shown = values[:5].tolist() + (["..."] if values.size > 5 else [])
        raise ValueError(
            f"y must be a binary outcome coded 0/1 for {what}; got the values "
            f"{shown}."
        )


def positive_proba(model, X, positive=1.0):
    """``P(y = positive | x)`` from a fitted classifier.

    The column is looked up in ``classes_`` (``predict_proba[:, 1]`` when the
    model saw both classes); a model that saw one class only gives 1 or 0.
    """
    classes = np.asarray(model.classes_)
    proba = model.predict_proba(X)
    hit = np.flatnonzero(classes == positive)
    if hit.size:
        return proba[:, hit[0]]
    return np.zeros(proba.shape[0])


def predict_outcome(model, X, positive=1.0):
    """Regression prediction, or ``P(y = positive | x)`` for a classifier."""
    if is_classifier(model):
        return positive_proba(model, X, positive)
    return model.predict(X)
