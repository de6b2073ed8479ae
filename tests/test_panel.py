"""DRDiD, StaggeredDiD, MundlakFeatures and the castle data (fast), and a slow coverage study."""


import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from causaldist.datasets import load_castle, make_staggered
from causaldist.panel import DiDAggregate, DRDiD, StaggeredDiD


def two_period(n=4000, seed=0, effect=2.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    d = (rng.random(n) < 1 / (1 + np.exp(-(0.6 * x[:, 0] - 0.4 * x[:, 1])))).astype(int)
    y0 = x @ [1.0, 0.5] + rng.normal(size=n)
    y1 = y0 + 1 + x @ [0.8, -0.3] + effect * d + rng.normal(size=n)
    return x, d, y0, y1


def long_panel(x, d, y0, y1):
    n = len(d)
    return (np.r_[x, x], np.r_[y0, y1], np.r_[d, d], np.r_[np.zeros(n), np.ones(n)],
            np.r_[np.arange(n), np.arange(n)])


@pytest.fixture(scope="module")
def staggered():
    data = make_staggered(3000, random_state=3)
    return data, data.frame


def fit_staggered(df, covariates=("x1", "x2"), **params):
    params.setdefault("n_bootstrap", 0)
    X = df[list(covariates)] if covariates else None
    return StaggeredDiD(**params).fit(X, df.y, unit=df.unit, time=df.time,
                                      first_treated=df.first_treated)


# -- DRDiD -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["dr", "dr-improved", "ipw", "reg"])
def test_drdid_without_covariates_is_the_2x2_did(method):
    x, d, y0, y1 = two_period(500)
    X, y, t, time, unit = long_panel(x, d, y0, y1)
    did = DRDiD(method).fit(None, y, treatment=t, time=time, unit=unit)
    dy = y1 - y0
    assert did.att_ == pytest.approx(dy[d == 1].mean() - dy[d == 0].mean(), abs=1e-10)
    rc = DRDiD(method).fit(np.empty((len(y), 0)), y, treatment=t, time=time)
    assert rc.att_ == pytest.approx(did.att_, abs=1e-10)
    assert not rc.panel_ and did.panel_


@pytest.mark.parametrize("method", ["dr", "dr-improved", "ipw", "reg"])
def test_drdid_recovers_the_att(method):
    x, d, y0, y1 = two_period(6000, seed=1)
    X, y, t, time, unit = long_panel(x, d, y0, y1)
    did = DRDiD(method).fit(X, y, treatment=t, time=time, unit=unit)
    assert abs(did.att_ - 2.0) < 4 * did.estimate_.stderr
    lo, hi = did.estimate_.conf_int()
    assert lo < did.att_ < hi
    assert did.summary_frame().index[0] == "ATT"


def test_drdid_doubly_robust_with_a_wrong_propensity():
    x, d, y0, y1 = two_period(8000, seed=2)
    X, y, t, time, unit = long_panel(x, d, y0, y1)
    wrong = DummyClassifier(strategy="prior")   # constant propensity: misspecified
    dr = DRDiD("dr", propensity_model=wrong).fit(X, y, treatment=t, time=time, unit=unit)
    ipw = DRDiD("ipw", propensity_model=wrong).fit(X, y, treatment=t, time=time, unit=unit)
    assert abs(dr.att_ - 2.0) < 4 * dr.estimate_.stderr
    assert abs(ipw.att_ - 2.0) > 0.3   # IPW alone is biased by the confounded trend


def test_drdid_sklearn_models_and_parametric_equivalents():
    x, d, y0, y1 = two_period(1500, seed=4)
    X, y, t, time, unit = long_panel(x, d, y0, y1)
    default = DRDiD("dr").fit(X, y, treatment=t, time=time, unit=unit)
    sk = DRDiD("dr", propensity_model=LogisticRegression(C=np.inf, tol=1e-10,
                                                         max_iter=1000),
               outcome_model=LinearRegression()).fit(X, y, treatment=t, time=time, unit=unit)
    assert sk.att_ == pytest.approx(default.att_, abs=1e-5)
    assert sk.estimate_.stderr == pytest.approx(default.estimate_.stderr, rel=1e-4)
    rf = DRDiD("dr-improved", outcome_model=RandomForestRegressor(
        n_estimators=20, min_samples_leaf=20, random_state=0)).fit(
        X, y, treatment=t, time=time, unit=unit)
    assert abs(rf.att_ - 2.0) < 0.3


def test_drdid_input_errors():
    x, d, y0, y1 = two_period(50)
    X, y, t, time, unit = long_panel(x, d, y0, y1)
    with pytest.raises(ValueError, match="balanced"):
        DRDiD().fit(X[1:], y[1:], treatment=t[1:], time=time[1:], unit=unit[1:])
    with pytest.raises(ValueError, match="two values"):
        DRDiD().fit(X, y, treatment=t, time=np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="0/1"):
        DRDiD().fit(X, y, treatment=t + 1, time=time)
    with pytest.raises(ValueError, match="time is required"):
        DRDiD().fit(X, y, treatment=t)
    with pytest.raises(ValueError, match="method"):
        DRDiD("bogus").fit(X, y, treatment=t, time=time)


# -- StaggeredDiD ----------------------------------------------------------------------


def test_staggered_recovers_every_att_gt(staggered):
    data, df = staggered
    did = fit_staggered(df)
    truth = data.att_gt.set_index(["group", "time"]).att
    tab = did.att_gt_.set_index(["group", "time"])
    z = (tab.att - truth.reindex(tab.index).to_numpy()) / tab.se
    assert np.all(np.abs(z) < 4.5), z
    assert list(did.att_gt_.columns) == ["group", "time", "event_time", "att", "se",
                                         "lower", "upper"]
    assert did.att_gt_.time.dtype.kind == "i"


@pytest.mark.parametrize("kind", ["simple", "event", "group", "calendar"])
def test_staggered_aggregations_recover_the_truth(staggered, kind):
    data, df = staggered
    res = fit_staggered(df).aggregate(kind)
    assert isinstance(res, DiDAggregate)
    if kind == "simple":
        assert abs(res.value - data.truth["simple"]) < 4 * res.stderr
        return
    truth = data.truth[kind]
    post = np.asarray(res.names) >= 0 if kind == "event" else slice(None)
    np.testing.assert_array_less(
        np.abs(res.value[post] - truth.reindex(np.asarray(res.names)[post]).to_numpy()),
        4.5 * res.stderr[post])
    overall = data.truth[f"{kind} overall"]
    assert abs(res.overall.value - overall) < 4 * res.overall.stderr
    frame = res.summary_frame()
    assert len(frame) == len(res.names)


def test_unconditional_parallel_trends_is_biased_here(staggered):
    # cohort shares depend on x2 and so do trends: dropping X biases the estimate
    data, df = staggered
    naive = fit_staggered(df, covariates=()).aggregate("simple")
    assert abs(naive.value - data.truth["simple"]) > 6 * naive.stderr
    none = fit_staggered(df, covariates=None).aggregate("simple")
    assert none.value == pytest.approx(naive.value, abs=1e-12)


def test_event_window_and_min_max_e(staggered):
    _, df = staggered
    did = fit_staggered(df)
    ev = did.aggregate("event", min_e=-1, max_e=2)
    assert list(ev.names) == [-1, 0, 1, 2]
    full = did.aggregate("event")
    np.testing.assert_allclose(ev.value, full.value[2:6])
    with pytest.raises(ValueError, match="kind"):
        did.aggregate("dynamic")


def test_bootstrap_bands_are_uniform_and_reproducible(staggered):
    _, df = staggered
    did = fit_staggered(df, n_bootstrap=499, random_state=0)
    again = fit_staggered(df, n_bootstrap=499, random_state=0)
    pd.testing.assert_frame_equal(did.att_gt_, again.att_gt_)
    analytic = fit_staggered(df)
    # bootstrap and analytic standard errors agree to Monte Carlo error
    np.testing.assert_allclose(did.att_gt_.se, analytic.att_gt_.se, rtol=0.15)
    ev = did.aggregate("event")
    c = ev.critical_value()
    assert c > 1.96 and c == ev.critical_value(0.05)
    lo, hi = ev.conf_int()
    plo, phi = ev.conf_int(uniform=False)
    assert np.all(lo < plo) and np.all(hi > phi)
    assert ev.critical_value(0.10) < c
    rad = fit_staggered(df, n_bootstrap=499, bootstrap_weights="rademacher", random_state=0)
    assert 1.96 < rad.aggregate("event").critical_value() < 4


def test_cluster_equal_to_unit_changes_nothing(staggered):
    _, df = staggered
    base = fit_staggered(df, n_bootstrap=199, random_state=1)
    clustered = StaggeredDiD(n_bootstrap=199, random_state=1).fit(
        df[["x1", "x2"]], df.y, unit=df.unit, time=df.time, first_treated=df.first_treated,
        cluster=df.unit)
    np.testing.assert_allclose(base.att_gt_.se, clustered.att_gt_.se)
    states = StaggeredDiD(n_bootstrap=0).fit(
        df[["x1", "x2"]], df.y, unit=df.unit, time=df.time, first_treated=df.first_treated,
        cluster=df.unit % 50)
    assert np.all(np.isfinite(states.att_gt_.se))


def test_weights_scale_free_and_control_groups(staggered):
    _, df = staggered
    small = df[df.unit < 800]
    a = fit_staggered(small)
    b = StaggeredDiD(n_bootstrap=0).fit(
        small[["x1", "x2"]], small.y, unit=small.unit, time=small.time,
        first_treated=small.first_treated, sample_weight=np.full(len(small), 3.0))
    pd.testing.assert_frame_equal(a.att_gt_, b.att_gt_)
    nyt = fit_staggered(small, control_group="not_yet_treated", base_period="universal",
                        anticipation=1)
    assert (nyt.att_gt_.query("time == group - 2").att == 0).all()


def test_not_yet_treated_without_never_treated(staggered):
    _, df = staggered
    treated_only = df[df.first_treated > 0]
    with pytest.raises(ValueError, match="never-treated"):
        fit_staggered(treated_only)
    with pytest.warns(UserWarning, match="comparison group"):
        did = fit_staggered(treated_only, control_group="not_yet_treated")
    assert did.att_gt_.time.max() < treated_only.first_treated.max()


def test_staggered_input_errors(staggered):
    _, df = staggered
    small = df[df.unit < 100]
    with pytest.raises(ValueError, match="unique"):
        fit_staggered(pd.concat([small, small.iloc[:1]]))
    bad = small.copy()
    bad.loc[bad.index[0], "first_treated"] = 4
    with pytest.raises(ValueError, match="constant within a unit"):
        fit_staggered(bad)
    with pytest.raises(ValueError, match="first_treated is required"):
        StaggeredDiD().fit(None, small.y, unit=small.unit, time=small.time)
    with pytest.warns(UserWarning, match="dropped"):
        fit_staggered(small.iloc[1:])


def test_clone_and_routing(staggered):
    _, df = staggered
    est = StaggeredDiD(method="ipw", n_bootstrap=0)
    assert clone(est).get_params() == est.get_params()
    assert set(est.get_metadata_routing().fit.requests) >= {"unit", "time", "first_treated"}
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    small = df[df.unit < 600]
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("scale", StandardScaler()), ("did", est)]).fit(
            small[["x1", "x2"]], small.y, unit=small.unit, time=small.time,
            first_treated=small.first_treated)
    direct = clone(est).fit(small[["x1", "x2"]], small.y, unit=small.unit, time=small.time,
                            first_treated=small.first_treated)
    np.testing.assert_allclose(pipe[-1].att_gt_.att, direct.att_gt_.att, atol=1e-8)


def test_event_study_display(staggered):
    pytest.importorskip("matplotlib")
    from causaldist.plotting import EventStudyDisplay

    _, df = staggered
    did = fit_staggered(df[df.unit < 600], n_bootstrap=99, random_state=0)
    disp = EventStudyDisplay.from_estimator(did)
    assert disp.ax_ is not None and len(disp.event_times) == 7
    import matplotlib.pyplot as plt

    plt.close("all")


# -- the castle data ---------------------------------------------------------------------


def test_castle_reproduces_callaway_santanna():
    castle = load_castle()
    assert castle.frame.shape == (550, 30)
    for column in castle.frame.columns:
        assert f"``{column}``" in load_castle.__doc__, column
    did = StaggeredDiD(control_group="not_yet_treated", n_bootstrap=999,
                       random_state=0).fit(None, castle.target, unit=castle.unit,
                                           time=castle.time,
                                           first_treated=castle.first_treated)
    simple = did.aggregate("simple")
    # Callaway & Sant'Anna's overall ATT on log homicides: about 0.08-0.10
    assert 0.08 <= simple.value <= 0.10
    assert simple.value == pytest.approx(0.0968, abs=5e-4)
    assert 0.02 < simple.stderr < 0.07
    event = did.aggregate("event")
    assert event.overall.value == pytest.approx(0.0831, abs=5e-4)
    assert list(event.names) == list(range(-8, 6))
    with pytest.raises(ValueError, match="target"):
        load_castle(target="nope")
    arrays = load_castle(as_frame=False)
    assert arrays.data.shape == (550, 12)


# -- coverage (slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_coverage_of_att_gt_and_every_aggregation():
    """Pointwise intervals of ATT(g, t) and of every aggregation, and the event study's
    uniform band, cover the truth 93-97% of the time (500 replications of 1,000 units,
    MC s.e. of a rate near 0.95: 0.010; pooled over cells or entries it is smaller)."""
    reps, n = 500, 1000
    hits = {}
    for r in range(reps):
        data = make_staggered(n, random_state=1000 + r)
        df = data.frame
        did = StaggeredDiD(n_bootstrap=0).fit(df[["x1", "x2"]], df.y, unit=df.unit,
                                              time=df.time, first_treated=df.first_treated)
        tab = did.att_gt_.merge(data.att_gt.rename(columns={"att": "truth"}),
                                on=["group", "time"])
        tab = tab[tab.se.notna()]
        cover = (tab.lower <= tab.truth) & (tab.truth <= tab.upper)
        hits.setdefault("att_gt", []).append(cover.to_numpy())
        for kind in ["simple", "event", "group", "calendar"]:
            res = did.aggregate(kind)
            lo, hi = res.conf_int(uniform=False)
            if kind == "simple":
                hits.setdefault(kind, []).append([lo <= data.truth[kind] <= hi])
                continue
            names = np.asarray(res.names)
            keep = names >= 0 if kind == "event" else np.ones(len(names), bool)
            truth = data.truth[kind].reindex(names[keep]).to_numpy()
            hits.setdefault(kind, []).append((lo[keep] <= truth) & (truth <= hi[keep]))
            o_lo, o_hi = res.overall.conf_int()
            hits.setdefault(f"{kind} overall", []).append(
                [o_lo <= data.truth[f"{kind} overall"] <= o_hi])
        boot = StaggeredDiD(n_bootstrap=499, random_state=r).fit(
            df[["x1", "x2"]], df.y, unit=df.unit, time=df.time,
            first_treated=df.first_treated).aggregate("event")
        names = np.asarray(boot.names)
        truth = np.where(names >= 0, data.truth["event"].reindex(names).to_numpy(), 0.0)
        lo, hi = boot.conf_int()
        hits.setdefault("event uniform band", []).append(
            [np.all((lo <= truth) & (truth <= hi))])
    rates = {k: np.mean(np.concatenate([np.atleast_1d(v) for v in vals]))
             for k, vals in hits.items()}
    print(rates)
    for kind, rate in rates.items():
        assert 0.93 <= rate <= 0.97, (kind, rate)
    per_cell = np.mean(np.vstack(hits["att_gt"]), axis=0)
    assert np.all((per_cell >= 0.91) & (per_cell <= 0.98)), per_cell


# -- MundlakFeatures ----------------------------------------------------------------------


def test_mundlak_features_and_within_estimator():
    from causaldist.panel import MundlakFeatures

    rng = np.random.default_rng(0)
    n, T = 300, 4
    unit = np.repeat(np.arange(n), T)
    a = rng.normal(size=n)
    x = a[unit] + rng.normal(size=n * T)         # correlated with the unit effect
    z = np.repeat(rng.normal(size=n), T)         # time-invariant
    y = 2.0 * x + 3 * a[unit] + rng.normal(size=n * T)
    X = pd.DataFrame({"x": x, "z": z})
    mf = MundlakFeatures().fit(X, groups=unit)
    assert list(mf.columns_) == [1 - 1]
    Xt = mf.transform(X, groups=unit)
    assert Xt.shape == (n * T, 3)
    assert list(mf.get_feature_names_out()) == ["x", "z", "x_unit_mean"]
    # the CRE coefficient on x equals the within (fixed-effects) estimator
    beta = LinearRegression().fit(Xt, y).coef_[0]
    xd = x - pd.Series(x).groupby(unit).transform("mean").to_numpy()
    yd = y - pd.Series(y).groupby(unit).transform("mean").to_numpy()
    assert beta == pytest.approx(xd @ yd / (xd @ xd), rel=1e-8)
    assert abs(LinearRegression().fit(X, y).coef_[0] - 2.0) > 0.5   # pooled OLS is biased
    with pytest.raises(ValueError, match="groups"):
        mf.transform(X)
    assert MundlakFeatures(columns=["z"]).fit(X, unit=unit).columns_.tolist() == [1]
    out = MundlakFeatures().set_output(transform="pandas").fit_transform(X, groups=unit)
    assert list(out.columns) == ["x", "z", "x_unit_mean"]


def test_mundlak_in_a_routed_pipeline(staggered):
    from sklearn.pipeline import make_pipeline

    from causaldist.panel import MundlakFeatures

    _, df = staggered
    small = df[df.unit < 600]
    noise = np.random.default_rng(0).normal(size=len(small))
    X = small[["x1", "x2"]].assign(x3=small.x1 + noise)   # time-varying
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(MundlakFeatures(), StaggeredDiD(n_bootstrap=0)).fit(
            X, small.y, unit=small.unit, time=small.time, first_treated=small.first_treated)
    assert pipe[0].columns_.tolist() == [2]
    assert pipe[-1].n_features_in_ == 4


def test_staggered_other_methods_and_models(staggered):
    data, df = staggered
    small = df[df.unit < 1500]
    for params in ({"method": "dr-improved"}, {"method": "ipw"}, {"method": "reg"},
                   {"outcome_model": RandomForestRegressor(n_estimators=10,
                                                           min_samples_leaf=30,
                                                           random_state=0)}):
        res = fit_staggered(small, **params).aggregate("simple")
        assert abs(res.value - data.truth["simple"]) < 5 * res.stderr, params
    assert "StaggeredDiD dr" in repr(res)


# -- DynamicDML ---------------------------------------------------------------------------


def _dynamic_panel(n=3000, p=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    t = np.empty((n, p))
    y = np.zeros((n, p))
    for s in range(p):   # treatment reacts to the past outcome: sequential confounding
        prev = y[:, s - 1] if s else 0.0
        t[:, s] = 0.5 * x[:, s] + 0.3 * prev + rng.normal(size=n)
        y[:, s] = x[:, s] + 0.5 * prev + rng.normal(size=n)
    effects = np.array([1.5, -1.0])[:p]
    y[:, -1] += t @ effects
    # the state of period s: its covariate and the previous outcome
    lag = np.column_stack([np.zeros(n), y[:, :-1]])
    X = np.column_stack([x.ravel(), lag.ravel()])
    return X, y.ravel(), t.ravel(), np.repeat(np.arange(n), p), effects


def test_dynamic_dml_recovers_period_effects():
    from causaldist.panel import DynamicDML

    X, y, t, groups, effects = _dynamic_panel()
    est = DynamicDML(model_y=LinearRegression(), model_t=LinearRegression(),
                     effect_features=[], random_state=0).fit(X, y, treatment=t, groups=groups)
    inf = est.const_marginal_effect_inference(np.zeros((1, 2)))
    assert est.n_periods_ == 2 and est.coef_.shape == (2, 1, 1)
    assert np.all(np.abs(inf.value[0] - effects) < 4 * inf.stderr[0])
    lo, hi = inf.conf_int()
    assert np.all(lo < inf.value) and np.all(inf.value < hi)
    assert repr(clone(est)) == repr(est)


def test_dynamic_dml_input_errors():
    from causaldist.panel import DynamicDML

    X, y, t, groups, _ = _dynamic_panel(100)
    with pytest.raises(ValueError, match="same number of periods"):
        DynamicDML().fit(X[1:], y[1:], treatment=t[1:], groups=groups[1:])
    with pytest.raises(ValueError, match="groups"):
        DynamicDML().fit(X, y, treatment=t)
