"""Reading a fitted CATE estimator: interpreter trees, SHAP values, effect dependence.

Everything here goes through an estimator's public API (``predict``,
``effect_inference`` / ``effect_interval``, ``categories_``), so it works on
any causaldist CATE estimator and on a ``Pipeline`` whose last step is one.
"""

from ._dependence import cate_dependence
from ._dependence_display import CateDependenceDisplay
from ._shap import shap_values
from ._tree_interpreters import SingleTreeCateInterpreter, SingleTreePolicyInterpreter

__all__ = [
    "CateDependenceDisplay",
    "SingleTreeCateInterpreter",
    "SingleTreePolicyInterpreter",
    "cate_dependence",
    "shap_values",
]
