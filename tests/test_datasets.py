"""The bundled real data sets reproduce their published numbers.

NSW: Dehejia & Wahba (1999), Table 3. NHEFS: Hernán & Robins, *What If*, section 12.3
(Programs 12.3-12.4). Card: Cunningham's *Mixtape*, ch. 7 (with causaldist.iv's
2SLS sandwich and OrthoIV). Otherwise only numpy / pandas here: the logistic model is fitted by
Newton-Raphson and the weighted regression's standard error is the sandwich (HC0)
one, as the book's GEE with an independence working correlation gives.
"""

import numpy as np
import pandas as pd
import pytest

from causaldist.datasets import load_hillstrom, load_nhefs, load_nsw


def _difference_in_means(y, t):
    """Difference in means with the pooled-variance (OLS) standard error."""
    y, t = np.asarray(y, float), np.asarray(t)
    n1, n0 = (t == 1).sum(), (t == 0).sum()
    diff = y[t == 1].mean() - y[t == 0].mean()
    resid = np.where(t == 1, y - y[t == 1].mean(), y - y[t == 0].mean())
    s2 = (resid ** 2).sum() / (len(y) - 2)
    return diff, np.sqrt(s2 * (1 / n1 + 1 / n0))


@pytest.mark.parametrize("as_frame", [True, False])
def test_nsw_shapes(as_frame):
    sizes = {"experimental": (445, 185), "cps": (16177, 185), "psid": (2675, 185)}
    for sample, (n, n_treated) in sizes.items():
        bunch = load_nsw(sample, as_frame=as_frame)
        assert bunch.data.shape == (n, 8)
        assert int(np.asarray(bunch.treatment).sum()) == n_treated
        assert bunch.feature_names == ["age", "educ", "black", "hisp", "married",
                                       "nodegree", "re74", "re75"]
        assert "1,794" in bunch.DESCR
        assert (bunch.frame is None) != as_frame
    X, y, t = load_nsw(return_X_y_t=True)
    assert isinstance(X, pd.DataFrame) and y.name == "re78" and t.name == "treat"


def test_nsw_experimental_benchmark():
    # Dehejia & Wahba (1999), Table 3: 1,794 (633); means 6,349 and 4,555
    X, y, t = load_nsw("experimental", return_X_y_t=True)
    diff, se = _difference_in_means(y, t)
    assert round(diff) == 1794
    assert round(se) == 633
    assert round(y[t == 1].mean()) == 6349 and round(y[t == 0].mean()) == 4555
    lo, hi = diff - 1.96 * se, diff + 1.96 * se
    assert lo < 1794 < hi and round(lo) == 554 and round(hi) == 3035


@pytest.mark.parametrize("sample, published", [("cps", -8498), ("psid", -15205)])
def test_nsw_observational_raw_difference(sample, published):
    # the unadjusted differences of Dehejia & Wahba (1999), Table 3
    _, y, t = load_nsw(sample, return_X_y_t=True)
    diff, _ = _difference_in_means(y, t)
    assert round(diff) == published
    # the treated units are the experimental ones
    assert np.isclose(y[t == 1].mean(), 6349.14, atol=0.01)


def test_nsw_bad_sample():
    with pytest.raises(ValueError, match="sample must be one of"):
        load_nsw("lalonde")


def _logistic_newton(X, a, n_iter=50):
    beta = np.zeros(X.shape[1])
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-X @ beta))
        step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (a - p))
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    return 1 / (1 + np.exp(-X @ beta))


def _book_design(df):
    """What If, Program 12.3: the denominator model of the stabilised weights."""
    cols = [np.ones(len(df))]
    for name in ["sex", "race", "age", "smokeintensity", "smokeyrs", "wt71"]:
        cols.append(df[name].to_numpy(float))
        if name not in ("sex", "race"):
            cols.append(df[name].to_numpy(float) ** 2)
    for name, levels in [("education", [2, 3, 4, 5]), ("exercise", [1, 2]),
                         ("active", [1, 2])]:
        cols += [(df[name] == level).to_numpy(float) for level in levels]
    return np.column_stack(cols)


def test_nhefs_ip_weighted_effect():
    # What If, section 12.3: 3.4 kg (95% CI 2.4 to 4.5)
    nhefs = load_nhefs()
    df, a, y = nhefs.frame, nhefs.treatment.to_numpy(float), nhefs.target.to_numpy()
    assert len(df) == 1566 and df.shape[1] == 64

    p = _logistic_newton(_book_design(df), a)
    sw = np.where(a == 1, a.mean() / p, (1 - a.mean()) / (1 - p))
    assert round(sw.mean(), 3) == 0.999
    assert round(sw.min(), 2) == 0.33 and round(sw.max(), 2) == 4.30

    Z = np.column_stack([np.ones_like(a), a])
    Zw = Z * sw[:, None]
    bread = np.linalg.inv(Z.T @ Zw)
    beta = bread @ Zw.T @ y
    score = Zw * (y - Z @ beta)[:, None]
    se = np.sqrt((bread @ score.T @ score @ bread)[1, 1])
    effect, lo, hi = beta[1], beta[1] - 1.96 * se, beta[1] + 1.96 * se
    assert round(effect, 1) == 3.4 and round(lo, 1) == 2.4 and round(hi, 1) == 4.5
    assert lo < 3.4 < hi


def test_nhefs_all_rows_and_columns():
    nhefs = load_nhefs(complete_case=False)
    assert nhefs.frame.shape == (1629, 64)
    assert nhefs.target.isna().sum() == 63
    X, y, t = load_nhefs(as_frame=False, return_X_y_t=True)
    assert X.shape == (1566, 9) and set(np.unique(t)) == {0, 1}
    # every column is described in the docstring
    for column in load_nhefs().frame.columns:
        assert f"``{column}``" in load_nhefs.__doc__, column


def _write_hillstrom_like(path, n=300, seed=0):
    rng = np.random.default_rng(seed)
    history = rng.gamma(2.0, 120.0, n).round(2)
    df = pd.DataFrame({
        "recency": rng.integers(1, 13, n),
        "history_segment": np.where(history < 100, "1) $0 - $100", "2) $100 - $200"),
        "history": history,
        "mens": rng.integers(0, 2, n),
        "womens": rng.integers(0, 2, n),
        "zip_code": rng.choice(["Urban", "Suburban", "Rural"], n),
        "newbie": rng.integers(0, 2, n),
        "channel": rng.choice(["Phone", "Web", "Multichannel"], n),
        "segment": rng.choice(["Mens E-Mail", "Womens E-Mail", "No E-Mail"], n),
        "visit": rng.integers(0, 2, n),
        "conversion": rng.integers(0, 2, n),
        "spend": rng.exponential(1.0, n).round(2),
    })
    df.to_csv(path, index=False)
    return df


def test_hillstrom_reads_users_copy(tmp_path, monkeypatch):
    path = tmp_path / "hillstrom.csv.gz"
    df = _write_hillstrom_like(path)
    bunch = load_hillstrom(path, target="spend")
    assert bunch.data.shape == (300, 8) and bunch.treatment.name == "segment"
    np.testing.assert_allclose(bunch.target, df["spend"])
    monkeypatch.setenv("CAUSALDIST_HILLSTROM", str(path))
    X, y, t = load_hillstrom(as_frame=False, return_X_y_t=True)
    assert X.shape == (300, 8) and set(t) == {"Mens E-Mail", "Womens E-Mail",
                                              "No E-Mail"}


def test_hillstrom_missing_copy_says_where(tmp_path, monkeypatch):
    monkeypatch.delenv("CAUSALDIST_HILLSTROM", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="MineThatData"):
        load_hillstrom()
    with pytest.raises(FileNotFoundError, match="fetch_hillstrom"):
        load_hillstrom(tmp_path / "nope.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not the Hillstrom data"):
        load_hillstrom(tmp_path / "other.csv")
    with pytest.raises(ValueError, match="target must be"):
        load_hillstrom(tmp_path / "other.csv", target="revenue")


def test_make_campaign():
    from causaldist.datasets import make_campaign

    X, y, t, uplift = make_campaign(n_samples=4000, n_noise_features=2, as_frame=True,
                                    random_state=0)
    assert X.shape == (4000, 7) and set(np.unique(y)) == {0.0, 1.0}
    assert list(X.columns[-2:]) == ["noise0", "noise1"]
    b = make_campaign(n_samples=4000, n_arms=3, treatment_labels=["none", "mail", "call"],
                      return_truth=True, random_state=0)
    assert b.uplift.shape == (4000, 2) and set(b.treatment) == {"none", "mail", "call"}
    np.testing.assert_allclose(b.uplift, b.response[:, 1:] - b.response[:, [0]])
    # the observed difference in response rates estimates the mean uplift
    big = make_campaign(n_samples=200000, treated_share=0.5, random_state=1)
    diff = big[1][big[2] == 1].mean() - big[1][big[2] == 0].mean()
    assert abs(diff - big[3].mean()) < 0.01
    # persuadables and sleeping dogs
    assert (uplift > 0.1).any() and (uplift < 0).any()
    with pytest.raises(ValueError, match="treated_share"):
        make_campaign(100, n_arms=3, treated_share=0.3)


def test_load_card_reproduces_the_published_return_to_schooling():
    """Cunningham's Mixtape (ch. 7) on Card's data: OLS 0.071, 2SLS 0.124 (0.050), F 15.767."""
    from sklearn.linear_model import LinearRegression

    from causaldist.datasets import load_card
    from causaldist.iv import OrthoIV
    from causaldist.iv._sandwich import iv_sandwich, project

    card = load_card()
    assert card.frame.shape == (3003, 8) and load_card(complete_case=False).frame.shape[0] == 3010
    X, y, t, z = load_card(as_frame=False, return_X_y_t_z=True)
    W = np.column_stack([np.ones(len(y)), X])
    ols = LinearRegression(fit_intercept=False).fit(np.column_stack([W, t]), y).coef_[-1]
    assert round(ols, 3) == 0.071
    # textbook 2SLS: exactly the published point estimate
    D, Zd = np.column_stack([W, t]), np.column_stack([W, z])
    coef, cov = iv_sandwich(project(Zd, D), D, y)
    assert round(coef[-1], 3) == 0.124
    # the orthogonal IV estimator with cross-fitted linear controls
    est = OrthoIV(outcome_model=LinearRegression(), treatment_model=LinearRegression(),
                  instrument_model=LinearRegression(), effect_features=[], cv=5,
                  random_state=0).fit(X, y, treatment=t, instrument=z)
    assert abs(est.intercept_ - 0.124) < 0.003
    assert abs(est.intercept__inference().stderr[0] - 0.050) < 0.002
    assert abs(est.first_stage_["f_stat_nonrobust"][0] - 15.767) < 0.1
    assert est.effective_f_ > 10
    (lo, hi), = est.ar_interval()
    assert lo < est.intercept_ < hi and 0 < lo and hi < 0.3
