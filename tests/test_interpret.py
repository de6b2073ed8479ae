"""causaldist.interpret: interpreter trees, SHAP values and effect dependence."""

import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from causaldist.datasets import make_heterogeneous
from causaldist.dml import LinearDML
from causaldist.interpret import (
    SingleTreeCateInterpreter,
    SingleTreePolicyInterpreter,
    cate_dependence,
    shap_values,
)
from causaldist.metalearners import DRLearner, TLearner
from causaldist.pipeline import make_pipeline
from causaldist.interpret import CateDependenceDisplay

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    X, y, t, tau = make_heterogeneous(800, design="rct", as_frame=True, random_state=0)
    # a feature far from standard units: trees must split it in its own units
    X = X.rename(columns={"x2": "age"})
    X["age"] = 40 + 10 * X["age"]
    return X, y, t, tau


@pytest.fixture(scope="module")
def tlearner(data):
    X, y, t, _ = data
    return TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)


@pytest.fixture(scope="module")
def scaled_pipeline(data):
    X, y, t, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), TLearner(outcome_model=LinearRegression()))
        return pipe.fit(X, y, treatment=t)


@pytest.fixture(scope="module")
def linear_dml(data):
    X, y, t, _ = data
    return LinearDML(outcome_model=LinearRegression(), discrete_treatment=True, cv=2,
                     random_state=0).fit(X, y, treatment=t)


def test_cate_interpreter_splits_in_input_units_through_a_pipeline(data, scaled_pipeline):
    X = data[0]
    interp = SingleTreeCateInterpreter(max_depth=1).interpret(scaled_pipeline, X)
    text = interp.export_text()
    assert text.startswith("|--- age <= ")
    assert 35 < interp.tree_["threshold"][0] < 45  # age's own units, not standardised
    leaves = interp.tree_["feature"] < 0
    assert interp.tree_["n_samples"][leaves].sum() == len(X)
    tau = scaled_pipeline.predict(X)
    left = X["age"].to_numpy() <= interp.tree_["threshold"][0]
    assert interp.tree_["value"][interp.tree_["left"][0], 0] == pytest.approx(tau[left].mean())
    assert np.isnan(interp.tree_["ci_lower"]).all()  # a T-learner gives no intervals
    with pytest.raises(TypeError, match="gives no intervals"):
        SingleTreeCateInterpreter(include_model_uncertainty=True).interpret(scaled_pipeline, X)


def test_cate_interpreter_intervals_on_leaves(data, linear_dml):
    X = data[0]
    interp = SingleTreeCateInterpreter(max_depth=2).interpret(linear_dml, X)
    t = interp.tree_
    leaves = t["feature"] < 0
    assert np.isfinite(t["ci_lower"][leaves]).all() and np.isnan(t["ci_lower"][~leaves]).all()
    assert np.all(t["ci_lower"][leaves] < t["value"][leaves])
    assert np.all(t["value"][leaves] < t["ci_upper"][leaves])
    assert "95% CI" in interp.export_text()
    # exact for a linear final stage: the leaf's interval is the population summary's
    rows = np.flatnonzero(interp.tree_model_.apply(X.to_numpy()) == np.flatnonzero(leaves)[0])
    lo, hi = linear_dml.effect_inference(X.iloc[rows]).population_summary().conf_int()
    k = np.flatnonzero(leaves)[0]
    assert (t["ci_lower"][k, 0], t["ci_upper"][k, 0]) == pytest.approx((lo, hi))
    everywhere = SingleTreeCateInterpreter(max_depth=2, uncertainty_only_on_leaves=False)
    assert np.isfinite(everywhere.interpret(linear_dml, X).tree_["ci_lower"]).all()


def test_cate_interpreter_multi_arm_and_exports(tmp_path):
    X, y, t, _ = make_heterogeneous(600, n_arms=3, design="rct", as_frame=True,
                                    treatment_labels=["none", "mail", "call"], random_state=1)
    est = TLearner(outcome_model=LinearRegression(), control="none").fit(X, y, treatment=t)
    interp = SingleTreeCateInterpreter(max_depth=2).interpret(est, X)
    assert interp.treatment_names_ == list(est.categories_[1:]) == ["call", "mail"]
    assert interp.tree_["value"].shape[1] == 2
    assert "effect of mail" in interp.export_text()
    renamed = interp.export_text(feature_names=list("abcde"))
    assert "x2" not in renamed
    path = tmp_path / "tree.dot"
    interp.export_graphviz(out_file=str(path))
    dot = path.read_text()
    assert dot.startswith("digraph Tree {") and dot.rstrip().endswith("}")
    notes = interp.plot()
    assert len(notes) == len(interp.tree_["feature"])
    import matplotlib.pyplot as plt

    plt.close("all")
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        interp.export_text(feature_names=["a", "b"])


def test_policy_interpreter_costs(data, tlearner):
    X = data[0]
    free = SingleTreePolicyInterpreter(max_depth=2).interpret(tlearner, X)
    dear = SingleTreePolicyInterpreter(max_depth=2).interpret(tlearner, X, 1e6)
    assert set(dear.treat(X)) == {0}
    arms = free.treat(X)
    assert set(arms) <= {0, 1}
    assert free.policy_value_ >= max(free.always_treat_value_.max(), 0.0) - 1e-12
    per_unit = np.where(X["x0"] > 0, 5.0, 0.0)[:, None]
    cheap_half = SingleTreePolicyInterpreter(max_depth=2).interpret(tlearner, X, per_unit)
    assert (cheap_half.treat(X)[X["x0"].to_numpy() > 0.5] == 1).mean() < 0.1
    assert "treatment 1" in free.export_text() and "age" in free.export_text()
    with pytest.raises(ValueError, match="sample_treatment_costs"):
        SingleTreePolicyInterpreter().interpret(tlearner, X, [1.0, 2.0])
    with pytest.raises(TypeError, match="no effect intervals"):
        SingleTreePolicyInterpreter(risk_level=0.1).interpret(tlearner, X)


def test_policy_interpreter_risk_level_is_cautious(data, linear_dml):
    X = data[0]
    point = SingleTreePolicyInterpreter(max_depth=1).interpret(linear_dml, X, 0.5)
    cautious = SingleTreePolicyInterpreter(max_depth=1, risk_level=0.05).interpret(
        linear_dml, X, 0.5)
    bold = SingleTreePolicyInterpreter(max_depth=1, risk_level=0.05, risk_seeking=True)
    bold.interpret(linear_dml, X, 0.5)
    assert cautious.policy_value_ <= point.policy_value_ <= bold.policy_value_


def test_shap_linear_is_exact(data, linear_dml):
    pytest.importorskip("shap")
    X = data[0]
    sv = shap_values(linear_dml, X.iloc[:50], background=X, max_background=len(X))
    coef = np.asarray(linear_dml.coef_).reshape(-1)
    np.testing.assert_allclose(sv.values, (X.iloc[:50] - X.mean()).to_numpy() * coef)
    np.testing.assert_allclose(sv.values.sum(1) + sv.base_values,
                               linear_dml.predict(X.iloc[:50]))
    assert list(sv.feature_names) == list(X.columns)


def test_shap_tree_and_model_agnostic_are_additive(data, scaled_pipeline):
    pytest.importorskip("shap")
    X, y, t, _ = data
    dr = DRLearner(cv=2, random_state=0).fit(X, y, treatment=t)
    for est in (dr, scaled_pipeline):  # the tree route, then the kernel route
        sv = shap_values(est, X.iloc[:20], max_background=30)
        np.testing.assert_allclose(sv.values.sum(1) + sv.base_values,
                                   est.predict(X.iloc[:20]), atol=1e-8)
    # only age modulates the effect: it carries the attributions
    sv = shap_values(scaled_pipeline, X.iloc[:20], max_background=30)
    share = np.abs(sv.values).mean(0) / np.abs(sv.values).mean(0).sum()
    assert share[list(X.columns).index("age")] > 0.5


def test_shap_multi_arm_and_missing_shap(monkeypatch):
    pytest.importorskip("shap")
    X, y, t, _ = make_heterogeneous(300, n_arms=3, design="rct", random_state=2)
    est = TLearner(outcome_model=LinearRegression()).fit(X, y, treatment=t)
    sv = shap_values(est, X[:10], max_background=20)
    assert set(sv) == {1, 2} and sv[2].values.shape == (10, 5)
    monkeypatch.setitem(sys.modules, "shap", None)
    with pytest.raises(ImportError, match="pip install shap"):
        shap_values(est, X[:10])


def test_cate_dependence_of_a_linear_effect(data, tlearner, scaled_pipeline):
    X = data[0]
    res = cate_dependence(tlearner, X, "age", kind="both", grid_resolution=5)
    assert res.individual.shape == (len(X), 5, 1) and res.average.shape == (5, 1)
    # a linear T-learner: parallel ICE curves whose slope is the effect's on age
    slopes = np.diff(res.individual[:, :, 0], axis=1) / np.diff(res.grid_values)
    assert np.allclose(slopes, slopes[0, 0])
    assert slopes[0, 0] == pytest.approx(0.1, abs=0.02)  # tau = 1 + x2, age = 40 + 10 x2
    np.testing.assert_allclose(res.average[:, 0], res.individual[:, :, 0].mean(0))
    same = cate_dependence(scaled_pipeline, X, 2, grid_resolution=5)
    np.testing.assert_allclose(same.average, res.average, rtol=1e-8)
    with pytest.raises(ValueError, match="is not one of"):
        cate_dependence(tlearner, X, "height")
    with pytest.raises(ValueError, match="kind must be"):
        cate_dependence(tlearner, X, 0, kind="ice")


def test_cate_dependence_display(data, tlearner):
    X = data[0]
    disp = CateDependenceDisplay.from_estimator(tlearner, X, "age", kind="both", subsample=30,
                                                random_state=0)
    assert len(disp.lines_) == 1 and len(disp.ice_lines_) == 30
    assert disp.ax_.get_xlabel() == "age"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_interpret_is_listed():
    import causaldist

    assert "interpret" in causaldist.__all__
    assert causaldist.interpret.SingleTreeCateInterpreter is SingleTreeCateInterpreter
    assert isinstance(pd.__version__, str)


def test_intervals_from_pointwise_errors_and_none_without_inference(data):
    from causaldist.dml import DML
    from causaldist.forest import CausalForest

    X, y, t, _ = data
    forest = CausalForest(n_estimators=40, cv=2, random_state=0).fit(X, y, treatment=t)
    interp = SingleTreeCateInterpreter(max_depth=1).interpret(forest, X)
    leaves = interp.tree_["feature"] < 0
    k = np.flatnonzero(leaves)[0]
    rows = interp.tree_model_.apply(X.to_numpy()) == k
    se = forest.effect_inference(X[rows]).stderr
    half = (interp.tree_["ci_upper"][k, 0] - interp.tree_["ci_lower"][k, 0]) / 2
    assert half == pytest.approx(1.959964 * np.sqrt(np.mean(se**2)), rel=1e-5)
    # a DML fitted without inference has the verbs but no intervals: none shown
    dml = DML(outcome_model=LinearRegression(), discrete_treatment=True, cv=2).fit(
        X, y, treatment=t)
    assert np.isnan(SingleTreeCateInterpreter(max_depth=1).interpret(dml, X).tree_["ci_lower"]).all()
