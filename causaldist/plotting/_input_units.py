"""Thresholds of a tree behind scalers, mapped back to the units of the input columns."""

import numpy as np

__all__ = []


def _is_scaler(step):
    # Per-column increasing affine maps: a threshold maps back through
    # inverse_transform and the inequality keeps its direction.
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    if isinstance(step, Pipeline):
        return all(_is_scaler(s) for _, s in step.steps)
    if isinstance(step, MinMaxScaler):
        lo, hi = step.feature_range
        return hi > lo
    return isinstance(step, (StandardScaler, RobustScaler, MaxAbsScaler))


def _column_inverse(step, j, n_columns):
    """``t -> raw`` of column ``j`` of a per-column scaler, through its inverse."""

    def inverse(t):
        row = np.zeros((1, n_columns))
        row[0, j] = t
        return float(np.asarray(step.inverse_transform(row))[0, j])

    return inverse


def _step_map(step, names_in):
    """For each output column of one fitted step: ``(input index, inverse)`` or None."""
    from sklearn.compose import ColumnTransformer

    if step is None or step == "passthrough":
        return [(j, lambda t: t) for j in range(len(names_in))]
    if _is_scaler(step):
        return [(j, _column_inverse(step, j, len(names_in))) for j in range(len(names_in))]
    if isinstance(step, ColumnTransformer):
        out = []
        index = {name: j for j, name in enumerate(names_in)}
        for name, trans, cols in step.transformers_:
            if trans == "drop":
                continue
            cols = [names_in[c] if isinstance(c, (int, np.integer)) else c
                    for c in np.atleast_1d(cols)]
            if trans == "passthrough":
                out += [(index[c], lambda t: t) for c in cols]
            elif _is_scaler(trans):
                out += [(index[c], _column_inverse(trans, k, len(cols)))
                        for k, c in enumerate(cols)]
            else:
                n_out = len(trans.get_feature_names_out(cols))
                out += [None] * n_out
        return out
    try:
        n_out = len(step.get_feature_names_out(names_in))
    except Exception:  # a step that cannot say: nothing maps back
        return None
    return [None] * n_out


def input_unit_rules(pipeline):
    """Map each feature the final step sees back to an input column, when possible.

    Parameters
    ----------
    pipeline : fitted Pipeline
        Its steps before the last: scalers (``StandardScaler``,
        ``MinMaxScaler``, ``RobustScaler``, ``MaxAbsScaler``), ``passthrough``
        and ``ColumnTransformer`` of them map back; any other transformer's
        outputs (e.g. one-hot columns) stay in their own units.

    Returns
    -------
    rules : list or None
        One entry per feature of the final step: ``(input name, inverse)``
        where ``inverse`` maps a threshold to input units, or None; None when
        the pipeline's input names are unknown.
    """
    names = getattr(pipeline, "feature_names_in_", None)
    if names is None:
        return None
    names = [str(n) for n in names]
    chain = [(j, lambda t: t) for j in range(len(names))]
    current = names  # the columns' names as the next step sees them
    for _, step in pipeline.steps[:-1]:
        mapped = _step_map(step, current)
        if mapped is None:
            return None
        if step is not None and step != "passthrough":
            current = [str(n) for n in step.get_feature_names_out(current)]
        new_chain = []
        for entry in mapped:
            if entry is None or chain[entry[0]] is None:
                new_chain.append(None)
                continue
            j, inv = entry
            raw, prev = chain[j]
            new_chain.append((raw, lambda t, a=inv, b=prev: b(a(t))))
        chain = new_chain
    return [None if c is None else (names[c[0]], c[1]) for c in chain]
