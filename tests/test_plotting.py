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
    leaves = [s for s in texts if s.startswith("arm: ")]
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
    assert labels & {"arm: a", "arm: b"}
    with pytest.raises(TypeError, match="no policy tree"):
        plot_policy_tree(TLearner().fit(X, y, treatment=t))


# -- plots a reader trusts (issue 16, item 3) ----------------------------------


def _dense_display_points(line, ax, per_segment=25):
    """Points along a drawn line, in display coordinates (segments sampled).

    Through the line's own transform: an ``axhline`` has its x in axes
    coordinates."""
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
    if len(xy) < 2:
        return xy
    t = np.linspace(0.0, 1.0, per_segment)[:, None, None]
    return (xy[:-1] * (1 - t) + xy[1:] * t).reshape(-1, 2)


def _assert_legend_clear(ax):
    """The legend lies inside the axes and covers no point of any line or band."""
    ax.figure.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent()
    axes_box = ax.get_window_extent()
    assert axes_box.x0 - 1 <= box.x0 and box.x1 <= axes_box.x1 + 1
    assert axes_box.y0 - 1 <= box.y0 and box.y1 <= axes_box.y1 + 1
    for line in ax.get_lines():
        pts = _dense_display_points(line, ax)
        inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                  & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
        assert not inside.any(), f"legend covers {line.get_label()!r}"
    gx, gy = np.meshgrid(np.linspace(box.x0, box.x1, 12), np.linspace(box.y0, box.y1, 6))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    for coll in ax.collections:
        for path in coll.get_paths():
            assert not path.transformed(ax.transData).contains_points(grid).any()


def _continuous(n=600, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    u = rng.normal(size=n)
    revenue = np.exp(rng.normal(size=n)) * (1 + 0.5 * t * (u > 0))
    return revenue, u, t


def test_perfect_curve_has_its_own_style_and_shared_axes_draw_references_once():
    y, u, t = _data()
    fig, ax = plt.subplots()
    a = plot_qini_curve(y, u, t, name="model A", ax=ax)
    b = plot_qini_curve(y, -u, t, name="model B", ax=ax)
    model_styles = {(ln.get_color(), ln.get_linestyle()) for ln in (a.line_, b.line_)}
    assert len(model_styles) == 2  # the cycle gives each model its colour
    perfect, random = a.perfect_line_, a.random_line_
    assert perfect.get_linestyle() == ":" and random.get_linestyle() == "--"
    assert (perfect.get_color(), perfect.get_linestyle()) not in model_styles
    assert (random.get_color(), random.get_linestyle()) not in model_styles
    # the second display reuses the references (same data): 2 models + 2 references
    assert b.perfect_line_ is perfect and b.random_line_ is random
    assert len(ax.get_lines()) == 4
    labels = [tx.get_text() for tx in ax.get_legend().get_texts()]
    assert len(labels) == 4 and labels[2:] == ["perfect ranking", "random ranking"]
    assert labels.count("random ranking") == 1
    _assert_legend_clear(ax)


@pytest.mark.parametrize("kind", ["qini", "uplift"])
def test_legend_never_covers_the_curves(kind):
    for y, u, t in (_data(), _continuous()):
        disp = UpliftCurveDisplay.from_predictions(y, u, t, kind=kind, name="a model")
        _assert_legend_clear(disp.ax_)
        plt.close("all")
    # small axes: a 2 x 2 grid, three curves sharing one of them
    fig, axes = plt.subplots(2, 2, figsize=(9, 6))
    y, u, t = _data()
    for k, sign in enumerate((1, -1, 0.5)):
        UpliftCurveDisplay.from_predictions(y, sign * u, t, kind=kind, name=f"m{k}",
                                            ax=axes[0, 0])
    _assert_legend_clear(axes[0, 0])


def test_toc_legend_never_covers_the_curves():
    rng = np.random.default_rng(0)
    x = rng.normal(size=800)
    scores = np.maximum(x, 0) + rng.normal(size=800)
    good = rank_average_treatment_effect(x, scores, random_state=0)
    bad = rank_average_treatment_effect(-x, scores, random_state=0)
    for res in (good, bad):  # a TOC above zero, one below
        ax = plot_toc(res)
        assert ax.get_legend()._loc != 0  # not "best"
        _assert_legend_clear(ax)
        plt.close("all")
    # two TOCs sharing small axes: the legend moves up with the second
    fig, axes = plt.subplots(2, 2, figsize=(9, 6))
    plot_toc(good, ax=axes[0, 0])
    plot_toc(bad, ax=axes[0, 0])
    assert len(axes[0, 0].get_legend().get_texts()) == 2
    _assert_legend_clear(axes[0, 0])
    plt.close("all")


def test_y_label_follows_the_outcome():
    y, u, t = _data()
    assert plot_qini_curve(y, u, t).ax_.get_ylabel() == "incremental responses"
    revenue, u, t = _continuous()
    assert plot_qini_curve(revenue, u, t).ax_.get_ylabel() == "incremental outcome"
    disp = plot_qini_curve(revenue, u, t, outcome_name="revenue ($)")
    assert disp.ax_.get_ylabel() == "incremental revenue ($)"
    assert "incremental revenue ($)" in plot_uplift_curve(
        revenue, u, t, outcome_name="revenue ($)").ax_.get_ylabel()
    disp = plot_uplift_curve(revenue, u, t, y_label="extra spend")
    assert disp.ax_.get_ylabel() == "extra spend"


def _edges(ax):
    return [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]


def _node_boxes(annotations):
    return [a.get_bbox_patch().get_window_extent() for a in annotations]


def test_policy_tree_plot_after_column_transformer_names_arms_and_branches():
    import pandas as pd
    import sklearn
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from causaldist.pipeline import make_pipeline
    from causaldist.plotting import plot_policy_tree
    from causaldist.policy import DRPolicyTree

    rng = np.random.default_rng(0)
    n = 800
    X = pd.DataFrame({"age": rng.normal(40, 10, n), "income": rng.normal(30, 8, n),
                      "region": rng.choice(["north", "south"], n)})
    t = rng.choice(["no mail", "mail"], n)
    y = (X["age"] > 40) * (t == "mail") * 2.0 + rng.normal(size=n)
    def pipeline(encoder):
        features = make_column_transformer(
            (StandardScaler(), ["age", "income"]), (encoder, ["region"]))
        return make_pipeline(features, DRPolicyTree(
            outcome_model=LinearRegression(), max_depth=2, cv=2, control="no mail",
            random_state=0))

    with sklearn.config_context(enable_metadata_routing=True):
        # a sparse encoder cannot output pandas: arrays, with a warning that says why
        with pytest.warns(UserWarning, match="sparse_output=False"):
            sparse = pipeline(OneHotEncoder()).fit(X, y, treatment=t)
        assert not hasattr(sparse[-1], "feature_names_in_")
        pipe = pipeline(OneHotEncoder(sparse_output=False)).fit(X, y, treatment=t)
    tree = pipe[-1]
    fig, ax = plt.subplots(figsize=(8, 4))
    nodes = plot_policy_tree(pipe, ax=ax, input_units=False)
    inner = tree.policy_tree_.tree_
    is_leaf = np.asarray(inner["feature"]) < 0
    rules = [a.get_text().splitlines()[0] for a, leaf in zip(nodes, is_leaf) if not leaf]
    names = set(tree.feature_names_in_)
    assert "standardscaler__age" in names
    assert all(r.split(" <= ")[0] in names for r in rules)  # names, not x0, x1
    arms = {a.get_text().splitlines()[0] for a, leaf in zip(nodes, is_leaf) if leaf}
    assert arms <= {"arm: mail", "arm: no mail"} and arms  # labels, not 0/1
    branch = [tx.get_text() for tx in ax.texts if tx.get_gid() == "branch-label"]
    assert sorted(branch) == sorted(["True", "False"] * int((~is_leaf).sum()))
    assert len(_edges(ax)) == len(nodes) - 1


def test_policy_tree_edges_do_not_cross_node_text():
    from causaldist.plotting import plot_policy_tree
    from causaldist.policy import PolicyTree

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    R = np.column_stack([np.zeros(500), X[:, 0], X[:, 1] - X[:, 2]])
    tree = PolicyTree(max_depth=2).fit(X, R)
    fig, ax = plt.subplots(figsize=(8, 4))
    nodes = plot_policy_tree(tree, feature_names=["a long feature name", "b", "c"], ax=ax,
                             arm_names=["none", "e-mail", "phone"])
    fig.canvas.draw()
    boxes = _node_boxes(nodes)
    # node boxes do not overlap each other
    for i, bi in enumerate(boxes):
        for bj in boxes[i + 1:]:
            assert not bi.overlaps(bj)
    edges = _edges(ax)
    assert len(edges) == len(nodes) - 1
    for edge in edges:
        patch = edge.arrow_patch
        path = patch.get_path().transformed(patch.get_transform())
        pts = path.interpolated(50).vertices
        # the edge starts at the bottom of one box and ends at the top of another
        starts = [b for b in boxes if abs(pts[0, 1] - b.y0) < 2 and b.x0 <= pts[0, 0] <= b.x1]
        ends = [b for b in boxes if abs(pts[-1, 1] - b.y1) < 2 and b.x0 <= pts[-1, 0] <= b.x1]
        assert starts and ends
        inner_pts = pts[(pts[:, 1] < pts[0, 1] - 2) & (pts[:, 1] > pts[-1, 1] + 2)]
        for b in boxes:
            inside = ((inner_pts[:, 0] > b.x0) & (inner_pts[:, 0] < b.x1)
                      & (inner_pts[:, 1] > b.y0) & (inner_pts[:, 1] < b.y1))
            assert not inside.any()
    leaves = {a.get_text().splitlines()[0] for a in nodes if a.get_text().startswith("arm")}
    assert leaves <= {"arm: none", "arm: e-mail", "arm: phone"}


def test_barycenter_display_from_estimator_and_result():
    from causaldist.datasets import make_distributional
    from causaldist.distributional import (
        CVaR,
        DistributionalDREvaluator,
        DistributionalPolicyTree,
    )
    from causaldist.plotting import BarycenterDisplay

    X, y, t = make_distributional(1200, n_levels=20, random_state=0)
    ev = DistributionalDREvaluator(cv=2, random_state=0).fit(X, y, treatment=t)
    disp = BarycenterDisplay.from_estimator(
        ev, {"treat all": 1, "treat none": 0}, utility=CVaR(0.1), random_state=0)
    res = ev.evaluate(np.ones(len(t), dtype=int), utility=CVaR(0.1), random_state=0)
    np.testing.assert_allclose(disp.lines_[0].get_ydata(), res.quantiles)
    np.testing.assert_allclose(disp.lines_[0].get_xdata(), res.levels)
    band = disp.bands_[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(res.uniform_band[0].min())
    assert band.max() == pytest.approx(res.uniform_band[1].max())
    assert len(disp.lines_) == 2 and len(disp.bands_) == 2
    assert disp.lines_[0].get_color() != disp.lines_[1].get_color()
    labels = [tx.get_text() for tx in disp.ax_.get_legend().get_texts()]
    lo, hi = res.conf_int()
    assert labels[0].startswith("treat all: CVaR") and f"[{lo:.3g}, {hi:.3g}]" in labels[0]
    assert disp.ax_.get_xlabel() == "level p" and "uniform" in disp.ax_.get_title()
    _assert_legend_clear(disp.ax_)

    learner = DistributionalPolicyTree(max_depth=1, utility=CVaR(0.1), cv=2,
                                       random_state=0).fit(X, y, treatment=t)
    own = BarycenterDisplay.from_estimator(learner, y_label="earnings quantile")
    np.testing.assert_allclose(own.lines_[0].get_ydata(), learner.value_.quantiles)
    assert own.ax_.get_ylabel() == "earnings quantile"
    pw = BarycenterDisplay.from_result(learner.value_, name="tree", band="pointwise")
    band = pw.bands_[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(learner.value_.pointwise_band[1].max())
    none = BarycenterDisplay.from_result({"tree": learner.value_}, band=None)
    assert none.bands_ == [] and len(none.lines_) == 1
    with pytest.raises(ValueError, match="pass the policy"):
        BarycenterDisplay.from_estimator(ev)
    with pytest.raises(TypeError, match="DistributionalPolicyValue"):
        BarycenterDisplay.from_result(res.value)
    no_uniform = ev.evaluate(np.zeros(len(t), dtype=int), uniform=False)
    with pytest.raises(ValueError, match="no uniform band"):
        BarycenterDisplay.from_result(no_uniform)


def test_policy_tree_behind_scalers_is_drawn_in_input_units():
    import pandas as pd
    import sklearn
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

    from causaldist.pipeline import make_pipeline
    from causaldist.policy import PolicyTree
    from causaldist.plotting import plot_policy_tree
    from causaldist.plotting._input_units import input_unit_rules

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.normal(45, 12, 600).round(),
                      "region": rng.choice(["north", "west"], 600)})
    rewards = pd.DataFrame({"none": np.zeros(600),
                            "offer": np.where(X["age"] < 40, 1.0, -1.0)})
    cols = make_column_transformer((StandardScaler(), ["age"]),
                                   (OneHotEncoder(sparse_output=False), ["region"]))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(cols, PolicyTree(max_depth=1)).fit(X, rewards)
    thr = pipe[-1].tree_["threshold"][0]
    rules = input_unit_rules(pipe)
    assert rules[0][0] == "age" and rules[1] is None and rules[2] is None
    assert rules[0][1](thr) == pytest.approx(X["age"].mean() + thr * X["age"].std(ddof=0))
    texts = [a.get_text().splitlines()[0] for a in plot_policy_tree(pipe)]
    assert texts[0].startswith("age <= 3") and 38 <= float(texts[0].split()[-1]) <= 40
    raw = [a.get_text().splitlines()[0] for a in plot_policy_tree(pipe, input_units=False)]
    assert raw[0].startswith("standardscaler__age <= -")
    # a chain of scalers maps back through both
    with sklearn.config_context(enable_metadata_routing=True):
        chain = make_pipeline(StandardScaler(), MinMaxScaler(), PolicyTree(max_depth=1))
        chain.fit(X[["age"]], rewards)
    texts = [a.get_text().splitlines()[0] for a in plot_policy_tree(chain)]
    assert 38 <= float(texts[0].split()[-1]) <= 40
    plt.close("all")
