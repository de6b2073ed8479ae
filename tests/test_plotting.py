"""Plots draw exactly the curves the metrics compute (Agg backend)."""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from causaldist.datasets import make_heterogeneous  # noqa: E402
from causaldist.metalearners import TLearner  # noqa: E402
from causaldist.metrics import (  # noqa: E402
    perfect_qini_curve,
    qini_auc_score,
    qini_curve,
    rank_average_treatment_effect,
    uplift_curve,
)
from causaldist.plotting import (  # noqa: E402
    UpliftCurveDisplay,
    plot_qini_curve,
    plot_toc,
    plot_uplift_curve,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    u = rng.normal(size=n)
    y = (rng.random(n) < 0.3 + 0.3 * t * (u > 0)).astype(int)
    return y, u, t


def test_qini_display_draws_the_curves():
    y, u, t = _data()
    disp = plot_qini_curve(y, u, t, name="m")
    x, c = qini_curve(y, u, t)
    np.testing.assert_array_equal(disp.line_.get_xdata(), x)
    np.testing.assert_array_equal(disp.line_.get_ydata(), c)
    px, py = perfect_qini_curve(y, t)
    np.testing.assert_array_equal(disp.perfect_line_.get_ydata(), py)
    np.testing.assert_array_equal(disp.random_line_.get_ydata(), [0, c[-1]])
    assert disp.score == pytest.approx(qini_auc_score(y, u, t))
    assert f"{disp.score:.3f}" in disp.ax_.get_legend().get_texts()[0].get_text()
    assert disp.figure_ is disp.ax_.figure


def test_uplift_display_on_given_axes_and_continuous_outcome():
    y, u, t = _data()
    fig, ax = plt.subplots()
    disp = plot_uplift_curve(y, u, t, ax=ax, show_random=False)
    assert disp.ax_ is ax and disp.random_line_ is None
    np.testing.assert_array_equal(disp.line_.get_ydata(), uplift_curve(y, u, t)[1])
    yc = y + np.random.default_rng(1).normal(size=y.size)
    disp = UpliftCurveDisplay.from_predictions(yc, u, t, kind="uplift")
    assert disp.perfect_line_ is None and disp.score is None


def test_from_estimator_uses_its_predictions_and_control():
    X, y, t, tau = make_heterogeneous(n_samples=400, random_state=0)
    labels = np.where(t == 1, "b", "a")
    est = TLearner(control="a").fit(X, y, treatment=labels)
    disp = UpliftCurveDisplay.from_estimator(est, X, y, labels)
    np.testing.assert_allclose(disp.line_.get_ydata(), qini_curve(y, est.predict(X), t)[1])
    assert "TLearner" in disp.line_.get_label()
    # A Pipeline's control is its last step's categories_[0], not the smallest label.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), TLearner(control="b"))
    pipe.fit(X, y, tlearner__treatment=labels)
    disp = UpliftCurveDisplay.from_estimator(pipe, X, y, labels)
    np.testing.assert_allclose(
        disp.line_.get_ydata(), qini_curve(y, pipe.predict(X), 1 - t)[1]
    )


def test_toc_plot_draws_curve_and_band():
    rng = np.random.default_rng(0)
    x = rng.normal(size=800)
    res = rank_average_treatment_effect(x, x + rng.normal(size=800), random_state=0)
    ax = plot_toc(res)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), res.toc)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(np.max(res.toc + 1.959963984540054 * res.toc_stderr))
    lo, hi = res.conf_int(alpha=0.1)
    ax = plot_toc(res, alpha=0.1)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(np.max(res.toc + 1.6448536269514722 * res.toc_stderr))
    assert f"[{lo:.3g}, {hi:.3g}]" in ax.lines[0].get_label()
    with pytest.raises(TypeError, match="RATEResult"):
        plot_toc([1, 2, 3])
    with pytest.raises(ValueError, match="alpha"):
        plot_toc(res, alpha=95)


def test_bad_kind():
    y, u, t = _data()
    with pytest.raises(ValueError, match="kind"):
        UpliftCurveDisplay.from_predictions(y, u, t, kind="roc")


def test_clear_error_without_matplotlib(monkeypatch):
    y, u, t = _data()
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="requires matplotlib"):
        plot_qini_curve(y, u, t)


def test_policy_tree_plot_shows_every_node():
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from causaldist.plotting import plot_policy_tree
    from causaldist.policy import DRPolicyTree, PolicyTree

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    R = np.column_stack([np.zeros(400), X[:, 0], X[:, 1]]) + rng.normal(size=(400, 3))
    tree = PolicyTree(max_depth=2).fit(X, R)
    texts = [a.get_text() for a in plot_policy_tree(tree, feature_names=["a", "b", "c"])]
    assert len(texts) == len(tree.tree_["feature"])
    assert texts[0].startswith(tree.export_text(feature_names=["a", "b", "c"]).split("\n")[0][5:])
    assert texts[0].endswith("n = 400")
    leaves = [s for s in texts if s.startswith("action")]
    assert len(leaves) == np.sum(tree.tree_["feature"] < 0)

    t = np.where(rng.random(400) < 0.5, "b", "a")
    y = X[:, 0] * (t == "b") + rng.normal(size=400)
    dr = DRPolicyTree(
        outcome_model=LinearRegression(), propensity_model=LogisticRegression(),
        max_depth=1, cv=2,
    ).fit(
        X, y, treatment=t
    )
    labels = {s.splitlines()[0] for s in (a.get_text() for a in plot_policy_tree(dr))}
    assert labels & {"action: a", "action: b"}
    with pytest.raises(TypeError, match="no policy tree"):
        plot_policy_tree(TLearner().fit(X, y, treatment=t))
