"""``econml.inference`` at its own path: the inference specifications users pass to ``fit``.

The result types (``NormalInferenceResults``, ``PopulationSummaryResults``,
...) are what the adapters' ``*_inference`` verbs return; their causaldist
classes live in :mod:`causaldist.inference`.
"""

from .._missing import missing_getattr

__all__ = ["BootstrapInference"]


class BootstrapInference:
    """econml's ``BootstrapInference(n_bootstrap_samples, n_jobs, bootstrap_type)``.

    Pass it as ``fit(..., inference=BootstrapInference(...))``: the adapters
    refit the estimator on ``n_bootstrap_samples`` resamples and form
    ``bootstrap_type`` intervals (``"pivot"``, ``"normal"`` or
    ``"percentile"``), as econml does.

    Parameters
    ----------
    n_bootstrap_samples : int, default=100
    n_jobs : int, default=-1
    bootstrap_type : {"pivot", "normal", "percentile"}, default="pivot"
    verbose : int, default=0

    Examples
    --------
    >>> from causaldist.compat.econml.inference import BootstrapInference
    >>> BootstrapInference(n_bootstrap_samples=20, n_jobs=1)
    BootstrapInference(n_bootstrap_samples=20, n_jobs=1, bootstrap_type='pivot')
    """

    def __init__(self, n_bootstrap_samples=100, n_jobs=-1, bootstrap_type="pivot", verbose=0):
        if bootstrap_type not in ("pivot", "normal", "percentile"):
            raise ValueError(
                "bootstrap_type must be 'pivot', 'normal' or 'percentile', "
                f"got {bootstrap_type!r}"
            )
        self._n_bootstrap_samples = n_bootstrap_samples
        self._n_jobs = n_jobs
        self._bootstrap_type = bootstrap_type
        self._verbose = verbose

    def __repr__(self):
        return (f"BootstrapInference(n_bootstrap_samples={self._n_bootstrap_samples}, "
                f"n_jobs={self._n_jobs}, bootstrap_type={self._bootstrap_type!r})")


__getattr__ = missing_getattr(__name__, {
    name: "Pass inference='statsmodels' / 'auto' to fit; results come back as "
          "causaldist.inference types."
    for name in ("StatsModelsInference", "StatsModelsInferenceDiscrete", "GenericModelFinalInference",
                 "LinearModelFinalInference", "GenericSingleTreatmentModelFinalInference",
                 "NormalInferenceResults", "EmpiricalInferenceResults",
                 "PopulationSummaryResults")
})
