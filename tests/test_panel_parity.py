"""Parity with csdid (Callaway & Sant'Anna's ``did`` in Python) and drdid, to 1e-6."""

import warnings

import numpy as np
import pytest

pytest.importorskip("csdid")
pytest.importorskip("drdid")

from csdid.att_gt import ATTgt  # noqa: E402
from drdid import _estimators as drdid_kernels  # noqa: E402

from causaldist.datasets import load_castle, make_staggered  # noqa: E402
from causaldist.panel import DRDiD, StaggeredDiD  # noqa: E402
from causaldist.panel._kernels_panel import panel_att  # noqa: E402
from causaldist.panel._kernels_rc import rc_att  # noqa: E402

TOL = 1e-6
CONTROL = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
AGGREGATIONS = {"simple": "simple", "event": "dynamic", "group": "group",
                "calendar": "calendar"}


@pytest.fixture(scope="module")
def panel():
    return make_staggered(1500, random_state=11).frame


def _csdid(df, method, control_group, base_period, anticipation, xformla, yname="y",
           idname="unit", tname="time", gname="first_treated"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ATTgt(yname=yname, tname=tname, idname=idname, gname=gname, data=df,
                     xformla=xformla, control_group=CONTROL[control_group],
                     anticipation=anticipation).fit(est_method=method,
                                                    base_period=base_period, bstrap=False)


def _assert_same(ours, theirs):
    res = theirs.results
    np.testing.assert_allclose(ours.att_gt_.att, np.asarray(res["att"], float), atol=TOL)
    np.testing.assert_allclose(ours.att_gt_.se, np.asarray(res["se"], float), atol=TOL)
    for kind, ck in AGGREGATIONS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.aggte(typec=ck, bstrap=False)
        agg = theirs.atte
        mine = ours.aggregate(kind)
        overall = mine if kind == "simple" else mine.overall
        assert overall.value == pytest.approx(agg["overall_att"], abs=TOL)
        assert overall.stderr == pytest.approx(agg["overall_se"], abs=TOL)
        if kind != "simple":
            np.testing.assert_allclose(mine.value, np.asarray(agg["att_egt"], float), atol=TOL)
            np.testing.assert_allclose(mine.stderr, np.asarray(agg["se_egt"], float).ravel(),
                                       atol=TOL)
            np.testing.assert_array_equal(mine.names, np.asarray(agg["egt"]))


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_att_gt_and_aggregations_equal_csdid(panel, method, control_group):
    theirs = _csdid(panel, method, control_group, "varying", 0, "y~x1+x2")
    ours = StaggeredDiD(method, control_group=control_group, n_bootstrap=0).fit(
        panel[["x1", "x2"]], panel.y, unit=panel.unit, time=panel.time,
        first_treated=panel.first_treated)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("base_period,anticipation", [("universal", 0), ("varying", 1),
                                                      ("universal", 1)])
def test_base_period_and_anticipation_equal_csdid(panel, base_period, anticipation):
    theirs = _csdid(panel, "dr", "not_yet_treated", base_period, anticipation, "y~x1+x2")
    ours = StaggeredDiD(control_group="not_yet_treated", base_period=base_period,
                        anticipation=anticipation, n_bootstrap=0).fit(
        panel[["x1", "x2"]], panel.y, unit=panel.unit, time=panel.time,
        first_treated=panel.first_treated)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_castle_equals_csdid(control_group):
    df = load_castle().frame
    theirs = _csdid(df, "dr", control_group, "varying", 0, None, yname="l_homicide",
                    idname="sid", tname="year")
    ours = StaggeredDiD(control_group=control_group, n_bootstrap=0).fit(
        None, df.l_homicide, unit=df.sid, time=df.year, first_treated=df.first_treated)
    _assert_same(ours, theirs)


def test_bootstrap_has_csdid_distribution(panel):
    """Same distribution, not the same draws: bootstrap s.e. within MC error of csdid's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ATTgt(yname="y", tname="time", idname="unit", gname="first_treated",
                       data=panel, xformla="y~x1+x2", cband=True, biters=2000).fit(
            est_method="dr", bstrap=True)
    ours = StaggeredDiD(n_bootstrap=2000, random_state=0).fit(
        panel[["x1", "x2"]], panel.y, unit=panel.unit, time=panel.time,
        first_treated=panel.first_treated)
    se = np.asarray(theirs.results["se"], float)
    np.testing.assert_allclose(ours.att_gt_.se, se, rtol=0.12)
    c_theirs = np.asarray(theirs.results["c"], float).ravel()[0]
    c_ours = (ours.att_gt_.upper - ours.att_gt_.att).to_numpy()[0] / ours.att_gt_.se[0]
    assert c_ours == pytest.approx(c_theirs, rel=0.08)


def _two_period(n=2000, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    D = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * X[:, 0] - 0.3 * X[:, 1])))).astype(float)
    y0 = X @ [1, 0.5] + rng.normal(size=n)
    y1 = y0 + 1 + X @ [0.5, -0.2] + 2 * D + rng.normal(size=n)
    w = rng.uniform(0.5, 1.5, n)
    post = (rng.random(n) < 0.5).astype(float)
    return X, D, y0, y1, w / w.mean(), post


@pytest.mark.parametrize("method,panel_fn,rc_fn", [
    ("dr", "drdid_panel", "drdid_rc"), ("ipw", "std_ipw_did_panel", "std_ipw_did_rc"),
    ("reg", "reg_did_panel", "reg_did_rc")])
def test_two_period_kernels_equal_drdid(method, panel_fn, rc_fn):
    X, D, y0, y1, w, post = _two_period()
    att, psi = getattr(drdid_kernels, panel_fn)(y1, y0, D, X, i_weights=w)
    mine, mine_psi, _ = panel_att(method, y1 - y0, D, X, w)
    assert mine == pytest.approx(att, abs=TOL)
    np.testing.assert_allclose(mine_psi, psi, atol=TOL)
    y = np.where(post == 1, y1, y0)
    att, psi = getattr(drdid_kernels, rc_fn)(y, post, D, X, i_weights=w)
    mine, mine_psi, _ = rc_att(method, y, post, D, X, w)
    assert mine == pytest.approx(att, abs=TOL)
    np.testing.assert_allclose(mine_psi, psi, atol=TOL)


def test_drdid_estimator_equals_drdid_panel():
    X, D, y0, y1, w, _ = _two_period()
    n = len(D)
    att, psi = drdid_kernels.drdid_panel(y1, y0, D, X, i_weights=w)
    est = DRDiD("dr").fit(np.r_[X, X], np.r_[y0, y1], treatment=np.r_[D, D],
                          time=np.r_[np.zeros(n), np.ones(n)],
                          unit=np.r_[np.arange(n), np.arange(n)], sample_weight=np.r_[w, w])
    assert est.att_ == pytest.approx(att, abs=TOL)
    assert est.estimate_.stderr == pytest.approx(np.std(psi, ddof=1) / np.sqrt(n), abs=TOL)


@pytest.mark.parametrize("model", ["linear", "lasso"])
def test_dynamic_dml_equals_econml(model):
    econml_panel = pytest.importorskip("econml.panel.dml")
    from sklearn.linear_model import Lasso, LinearRegression

    from causaldist.panel import DynamicDML

    rng = np.random.default_rng(0)
    n, p = 400, 3
    x, w = rng.normal(size=(n, p)), rng.normal(size=(n, p))
    t = 0.5 * x + 0.3 * w + rng.normal(size=(n, p))
    y = np.zeros((n, p))
    y[:, -1] = ((1 + 0.5 * x[:, 0]) * t[:, 0] + 0.8 * t[:, 1] - 0.4 * t[:, 2]
                + x.sum(1) + w.sum(1) + rng.normal(size=n))
    groups = np.repeat(np.arange(n), p)
    X, W, Y, T = x.reshape(-1, 1), w.reshape(-1, 1), y.ravel(), t.ravel()
    m = LinearRegression() if model == "linear" else Lasso(alpha=0.05)
    ours = DynamicDML(model_y=m, model_t=m, effect_features=[0], cv=3, random_state=0).fit(
        np.hstack([X, W]), Y, treatment=T, groups=groups)
    # the same unit-level folds, as row indices
    folds = [((tr[:, None] * p + np.arange(p)).ravel(), (te[:, None] * p + np.arange(p)).ravel())
             for tr, te in ours.folds_]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = econml_panel.DynamicDML(model_y=m, model_t=m, cv=folds).fit(
            Y, T, X=X, W=W, groups=groups)
    Xt = rng.normal(size=(6, 1))
    mine = ours.const_marginal_effect_inference(np.hstack([Xt, np.zeros((6, 1))]))
    ref = theirs.const_marginal_effect_inference(Xt)
    np.testing.assert_allclose(mine.value, ref.point_estimate, atol=TOL)
    np.testing.assert_allclose(mine.stderr, ref.stderr, atol=TOL)
