"""Whether each nuisance model is of the kind its role needs (classifier or regressor).

A classifier's ``predict`` returns labels: used as ``E[T | X]`` of a
continuous treatment it silently biases the effect (a 0/1 label is not a
probability). The checks read sklearn's ``is_classifier`` / ``is_regressor``,
which see through a ``Pipeline`` (its last step), a search (its estimator)
and :class:`~causaldist.model_selection.AutoModel` (its candidates).
"""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.multioutput import MultiOutputRegressor

__all__ = []


def _inner(model):
    # The stage wraps single-output models in MultiOutputRegressor for several
    # treatment or outcome columns; the wrapped model is the one the user gave.
    return model.estimator if isinstance(model, MultiOutputRegressor) else model


def _name(model):
    return type(_inner(model)).__name__


def check_model_roles(
    y=None, *, propensity_model=None, outcome_model=None, marginal_model=None,
    treatment_model=None, names=None,
):
    """Raise a ValueError naming ``discrete_treatment`` for a model of the wrong kind.

    - ``propensity_model`` (a discrete treatment's ``P(T = t | X)``) must not be
      a regressor;
    - ``treatment_model`` (a continuous treatment's ``E[T | X]``) must not be a
      classifier;
    - ``outcome_model`` / ``marginal_model`` may be a classifier only for an
      outcome ``y`` whose values are whole numbers (class labels);
      ``E[Y | X] = sum_c c P(c | x)`` is used then.

    ``names`` maps a role to the estimator's parameter that holds it.
    """
    names = names or {}
    name = lambda role: names.get(role, role)  # noqa: E731
    if propensity_model is not None and is_regressor(_inner(propensity_model)):
        raise ValueError(
            f"{name('propensity_model')} is a regressor ({_name(propensity_model)}) "
            "but a discrete treatment (discrete_treatment=True) needs a classifier "
            "that gives class probabilities P(T = t | X). Pass a classifier, or set "
            "discrete_treatment=False for a continuous treatment."
        )
    if treatment_model is not None and is_classifier(_inner(treatment_model)):
        raise ValueError(
            f"{name('treatment_model')} is a classifier ({_name(treatment_model)}) "
            "but the treatment is treated as continuous (discrete_treatment=False): "
            "its predicted labels would be used as E[T | X]. Set "
            "discrete_treatment=True for a discrete treatment (the classifier's "
            "probabilities are then used), or pass a regressor."
        )
    for role, model in (("outcome_model", outcome_model), ("marginal_model", marginal_model)):
        if model is None or y is None or not is_classifier(_inner(model)):
            continue
        values = np.asarray(y)
        if values.dtype.kind == "f" and not np.all(np.mod(values[np.isfinite(values)], 1) == 0):
            raise ValueError(
                f"{name(role)} is a classifier ({_name(model)}) but the outcome y "
                "holds non-integer values: a classifier would treat every value as "
                "a class. Pass a regressor for a continuous outcome."
            )
