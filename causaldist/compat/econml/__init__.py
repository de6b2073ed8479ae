"""econml 0.17's estimators, verbs and shapes on causaldist's native estimators.

Each class takes econml's constructor parameters (same names and defaults,
stored verbatim, so ``clone`` and ``get_params`` work), ``fit(Y, T, *, X=None,
W=None, sample_weight=None, groups=None, inference=...)`` and econml's verbs
(``effect``, ``const_marginal_effect``, ``effect_interval``,
``effect_inference``, ``ate``, ``ate_interval``, ``ate_inference``, ``coef_``,
``intercept_``, ``coef__interval``, ``summary``, ``score``, ...). They compute
nothing themselves: the fitted native estimator is ``native_``. With econml's
folds (explicit ``cv=[(train, test), ...]``, or an int ``cv`` with the same
``random_state``) and the same models, effects, coefficients and intervals
equal econml's where the algorithm is the same (see
:doc:`/porting/econml`).

The module tree is econml's: ``from causaldist.compat.econml.dml import
LinearDML`` works as ``from econml.dml import LinearDML`` (``dml``, ``dr``,
``metalearners``, ``policy``, ``score``, ``validate``, ``inference``,
``sklearn_extensions.linear_model``; ``grf``, ``iv.dml``, ``iv.dr`` and
``cate_interpreter`` import, their classes without an adapter raise
``NotImplementedError`` when used). :func:`install_import_hook` /
:func:`econml_import_hook` (opt-in) serve ``import econml`` itself from here.
"""

from . import (
    cate_interpreter, dml, dr, grf, inference, iv, metalearners, policy, score,
    sklearn_extensions, validate,
)
from ._dml import DML, LinearDML, NonParamDML, SparseLinearDML
from ._import_hook import econml_import_hook, install_import_hook, uninstall_import_hook
from ._dr import DRLearner, LinearDRLearner, SparseLinearDRLearner
from ._iv import (
    DMLIV, DRIV, IntentToTreatDRIV, LinearDRIV, LinearIntentToTreatDRIV, OrthoIV,
)
from ._metalearners import DomainAdaptationLearner, SLearner, TLearner, XLearner
from ._policy import DRPolicyTree, PolicyTree
from ._score import EnsembleCateEstimator, RScorer
from ._validate import (
    BLPEvaluationResults, CalibrationEvaluationResults, DRTester, EvaluationResults,
    UpliftEvaluationResults,
)

__all__ = [
    "BLPEvaluationResults", "CalibrationEvaluationResults", "DML", "DMLIV", "DRIV",
    "DomainAdaptationLearner", "DRLearner", "DRPolicyTree", "DRTester",
    "EnsembleCateEstimator", "EvaluationResults", "IntentToTreatDRIV", "LinearDML",
    "LinearDRIV", "LinearDRLearner", "LinearIntentToTreatDRIV", "NonParamDML",
    "OrthoIV", "PolicyTree", "RScorer", "SLearner", "SparseLinearDML",
    "SparseLinearDRLearner", "TLearner", "UpliftEvaluationResults", "XLearner",
    "econml_import_hook", "install_import_hook", "uninstall_import_hook",
]
