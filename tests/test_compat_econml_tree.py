"""econml's module tree under causaldist.compat.econml, the opt-in import hook and
the sklearn_extensions.linear_model classes (parity with econml when installed)."""

import importlib
import sys

import numpy as np
import pytest

import causaldist.compat.econml as flat
from causaldist.compat.econml import (
    econml_import_hook, install_import_hook, uninstall_import_hook,
)

TREE = {
    "dml": ["DML", "LinearDML", "NonParamDML", "SparseLinearDML"],
    "dr": ["DRLearner", "LinearDRLearner", "SparseLinearDRLearner"],
    "metalearners": ["DomainAdaptationLearner", "SLearner", "TLearner", "XLearner"],
    "policy": ["DRPolicyTree", "PolicyTree"],
    "score": ["EnsembleCateEstimator", "RScorer"],
    "validate": ["DRTester", "EvaluationResults"],
    "validate.drtester": ["DRTester"],
}


@pytest.mark.parametrize("module", sorted(TREE))
def test_classes_at_econml_paths_are_the_flat_adapters(module):
    sub = importlib.import_module(f"causaldist.compat.econml.{module}")
    for name in TREE[module]:
        assert getattr(sub, name) is getattr(flat, name)
        assert name in sub.__all__


@pytest.mark.parametrize("module, name", [
    ("dml", "CausalForestDML"), ("dr", "ForestDRLearner"), ("grf", "CausalForest"),
    ("policy", "PolicyForest"),
    ("cate_interpreter", "SingleTreeCateInterpreter"),
])
def test_classes_without_adapter_import_and_raise_on_use(module, name):
    cls = getattr(importlib.import_module(f"causaldist.compat.econml.{module}"), name)
    with pytest.raises(NotImplementedError, match=name):
        cls()
    with pytest.raises(ImportError):
        exec(f"from causaldist.compat.econml.{module} import NotAnEconmlClass")


def test_iv_classes_at_econml_paths_are_adapters():
    from causaldist.compat.econml.iv.dml import DMLIV, OrthoIV
    from causaldist.compat.econml.iv.dr import DRIV, LinearDRIV

    for cls in (DMLIV, OrthoIV, DRIV, LinearDRIV):
        est = cls()
        assert hasattr(est, "fit") and hasattr(est, "effect")


def test_bootstrap_inference_spec():
    from causaldist.compat.econml._base import _bootstrap_spec
    from causaldist.compat.econml.inference import BootstrapInference

    assert _bootstrap_spec(BootstrapInference(7, n_jobs=1, bootstrap_type="normal")) == (
        7, 1, "normal")
    with pytest.raises(ValueError, match="bootstrap_type"):
        BootstrapInference(bootstrap_type="bca")


def test_import_hook_is_opt_in_and_reversible():
    assert not any(type(f).__name__ == "_EconmlFinder" for f in sys.meta_path)
    before = sys.modules.get("econml")
    with econml_import_hook():
        import econml.dml
        from econml.dr import DRLearner
        from econml.sklearn_extensions.linear_model import WeightedLasso  # noqa: F401

        assert econml.dml.LinearDML is flat.LinearDML
        assert DRLearner is flat.DRLearner
        with pytest.raises(ModuleNotFoundError, match="econml.utilities"):
            importlib.import_module("econml.utilities")
        assert not install_import_hook()
    assert not any(type(f).__name__ == "_EconmlFinder" for f in sys.meta_path)
    assert sys.modules.get("econml") is before
    assert not uninstall_import_hook()


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] + rng.normal(size=200)
    return X, y, rng.integers(1, 4, 200).astype(float)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "nonrobust"])
@pytest.mark.parametrize("weights", [None, "freq_weight", "sample_weight"])
def test_statsmodels_linear_regression_parity(cov_type, weights):
    E = pytest.importorskip("econml.sklearn_extensions.linear_model")
    from causaldist.compat.econml.sklearn_extensions import linear_model as C

    X, y, w = _data()
    kw = {} if weights is None else {weights: w}
    e = E.StatsModelsLinearRegression(cov_type=cov_type).fit(X, y, **kw)
    c = C.StatsModelsLinearRegression(cov_type=cov_type).fit(X, y, **kw)
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-12)
    np.testing.assert_allclose(c.intercept_, e.intercept_, atol=1e-12)
    np.testing.assert_allclose(c.coef_stderr_, e.coef_stderr_, atol=1e-12)
    np.testing.assert_allclose(c.intercept_stderr_, e.intercept_stderr_, atol=1e-12)
    np.testing.assert_allclose(c.predict_interval(X[:5]), e.predict_interval(X[:5]), atol=1e-12)


def test_lasso_family_parity():
    E = pytest.importorskip("econml.sklearn_extensions.linear_model")
    from causaldist.compat.econml.sklearn_extensions import linear_model as C

    X, y, w = _data()
    e, c = E.DebiasedLasso().fit(X, y), C.DebiasedLasso().fit(X, y)
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-12)
    np.testing.assert_allclose(c.coef_stderr_, e.coef_stderr_, atol=1e-12)
    np.testing.assert_allclose(c.intercept_stderr_, e.intercept_stderr_, atol=1e-12)
    np.testing.assert_allclose(c.prediction_stderr(X[:5]), e.prediction_stderr(X[:5]),
                               atol=1e-12)
    e = E.WeightedLasso(alpha=0.05).fit(X, y, sample_weight=w)
    c = C.WeightedLasso(alpha=0.05).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-12)
    e, c = E.WeightedLassoCV(cv=3).fit(X, y), C.WeightedLassoCV(cv=3).fit(X, y)
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-12)


def test_metalearner_column_vector_treatment_warns_as_econml():
    econml_meta = pytest.importorskip("econml.metalearners")
    from sklearn.exceptions import DataConversionWarning
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    T = rng.integers(0, 2, 120)
    Y = X[:, 0] + T + rng.normal(size=120)
    effects = []
    for cls in (flat.TLearner, econml_meta.TLearner):
        est = cls(models=LinearRegression())
        with pytest.warns(DataConversionWarning):
            est.fit(Y.reshape(-1, 1), T.reshape(-1, 1), X=X)
        effects.append(np.ravel(est.effect(X[:5])))
    np.testing.assert_allclose(effects[0], effects[1], atol=1e-10)
