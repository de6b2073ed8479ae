"""econml's ``DRTester`` on :class:`causaldist.validation.HeterogeneityValidator`.

The DR outcomes come from the shared cross-fitting stage
(:func:`causaldist.model_selection.cross_fit`, econml's folds and its
propensity floor of 0.01), and every test from the native validator built
on them with :meth:`~causaldist.validation.HeterogeneityValidator.from_scores`:
BLP (:meth:`~causaldist.validation.HeterogeneityValidator.blp`), calibration
(:meth:`~causaldist.validation.HeterogeneityValidator.calibration_score` and
:meth:`~causaldist.validation.HeterogeneityValidator.gates`) and the
uplift curves
(:meth:`~causaldist.validation.HeterogeneityValidator.targeting_curve`).
The result objects have econml's attributes, ``summary()`` and plots.
"""

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t
from sklearn.base import BaseEstimator

from ...base import _atomic_fit
from ...model_selection._crossfit import _clip_propensity, cross_fit
from ...validation import HeterogeneityValidator
from ._folds import _econml_folds, _econml_splitter

__all__ = [
    "BLPEvaluationResults", "CalibrationEvaluationResults", "DRTester", "EvaluationResults",
    "UpliftEvaluationResults",
]

# econml's DRTester floors every propensity at 0.01 (no upper clip, no renormalising);
# its shuffled folds are seeded with 123 (get_cv_splitter's default).
_FLOOR = 0.01


def _check_tmt(tmt, treatments):
    if tmt not in list(treatments[1:]):
        raise ValueError(f"Invalid treatment; must be one of {list(treatments[1:])}")


class CalibrationEvaluationResults:
    """Calibration test results (econml's class of the same name).

    Parameters
    ----------
    cal_r_squared : ndarray of shape (n_treat,)
    plot_data_dict : dict of treatment to DataFrame
        Columns ``ind, gate, se_gate, g_cate, se_g_cate``.
    treatments : ndarray
        Every arm, control first.
    """

    def __init__(self, cal_r_squared, plot_data_dict, treatments):
        self.cal_r_squared = cal_r_squared
        self.plot_data_dict = plot_data_dict
        self.treatments = treatments

    def summary(self):
        """``treatment, cal_r_squared`` rounded to 3 decimals.

        Returns
        -------
        frame : DataFrame
        """
        return pd.DataFrame({"treatment": self.treatments[1:],
                             "cal_r_squared": self.cal_r_squared}).round(3)

    def plot_cal(self, tmt):
        """GATE (with 95% intervals) against the group mean CATE.

        Parameters
        ----------
        tmt : label
            A treated arm.

        Returns
        -------
        ax : matplotlib Axes
        """
        _check_tmt(tmt, self.treatments)
        df = self.plot_data_dict[tmt].copy()
        rsq = round(self.cal_r_squared[list(self.treatments).index(tmt) - 1], 3)
        df["95_err"] = 1.96 * df["se_gate"]
        return df.plot(kind="scatter", x="g_cate", y="gate", yerr="95_err",
                       xlabel="Group Mean CATE", ylabel="GATE",
                       title=f"Treatment = {tmt}, Calibration R^2 = {rsq}")


class BLPEvaluationResults:
    """BLP test results (econml's class of the same name).

    Parameters
    ----------
    params, errs, pvals : list of float
        Heterogeneity loading, its standard error and two-sided p-value per arm.
    treatments : ndarray
    """

    def __init__(self, params, errs, pvals, treatments):
        self.params = params
        self.errs = errs
        self.pvals = pvals
        self.treatments = treatments

    def summary(self):
        """``treatment, blp_est, blp_se, blp_pval`` rounded to 3 decimals.

        Returns
        -------
        frame : DataFrame
        """
        return pd.DataFrame({"treatment": self.treatments[1:], "blp_est": self.params,
                             "blp_se": self.errs, "blp_pval": self.pvals}).round(3)


class UpliftEvaluationResults:
    """Qini / TOC results (econml's class of the same name).

    Parameters
    ----------
    params, errs, pvals : list of float
        Integral of the curve, its standard error and p-value per arm.
    treatments : ndarray
    curve_data_dict : dict of treatment to DataFrame
        Columns ``Percentage treated, value, err, uniform_critical_value,
        uniform_one_side_critical_value``.
    """

    def __init__(self, params, errs, pvals, treatments, curve_data_dict):
        self.params = params
        self.errs = errs
        self.pvals = pvals
        self.treatments = treatments
        self.curves = curve_data_dict

    def summary(self):
        """``treatment, est, se, pval`` rounded to 3 decimals.

        Returns
        -------
        frame : DataFrame
        """
        return pd.DataFrame({"treatment": self.treatments[1:], "est": self.params,
                             "se": self.errs, "pval": self.pvals}).round(3)

    def plot_uplift(self, tmt, err_type=None):
        """The curve with pointwise (``None``) or uniform (``"ucb2"``, ``"ucb1"``) bands.

        Parameters
        ----------
        tmt : label
        err_type : {None, "ucb2", "ucb1"}, default=None

        Returns
        -------
        ax : matplotlib Axes
        """
        _check_tmt(tmt, self.treatments)
        df = self.curves[tmt].copy()
        if err_type is None:
            df["95_err"] = 1.96 * df["err"]
        elif err_type == "ucb2":
            df["95_err"] = df["uniform_critical_value"] * df["err"]
        elif err_type == "ucb1":
            df["95_err"] = df["uniform_one_side_critical_value"] * df["err"]
        else:
            raise ValueError(
                f"Invalid error type {err_type!r}; must be one of [None, 'ucb2', 'ucb1']")
        res = self.summary()
        coeff = round(res.loc[res["treatment"] == tmt]["est"].values[0], 3)
        err = round(res.loc[res["treatment"] == tmt]["se"].values[0], 3)
        yerr = [[df["95_err"], np.zeros(len(df))]] if err_type == "ucb1" else "95_err"
        return df.plot(kind="scatter", x="Percentage treated", y="value", yerr=yerr,
                       ylabel="Gain over Random",
                       title=f"Treatment = {tmt}, Integral = {coeff} +/- {err}")


class EvaluationResults:
    """BLP, calibration, Qini and TOC results together (econml's class of the same name).

    Parameters
    ----------
    cal_res : CalibrationEvaluationResults
    blp_res : BLPEvaluationResults
    qini_res, toc_res : UpliftEvaluationResults
    """

    def __init__(self, cal_res, blp_res, qini_res, toc_res):
        self.cal = cal_res
        self.blp = blp_res
        self.qini = qini_res
        self.toc = toc_res

    def summary(self):
        """One row per treated arm: BLP, Qini, AUTOC and calibration columns.

        Returns
        -------
        frame : DataFrame
        """
        rename = lambda prefix: {"est": f"{prefix}_est", "se": f"{prefix}_se",  # noqa: E731
                                 "pval": f"{prefix}_pval"}
        return self.blp.summary().merge(
            self.qini.summary().rename(rename("qini"), axis=1), on="treatment"
        ).merge(
            self.toc.summary().rename(rename("autoc"), axis=1), on="treatment"
        ).merge(self.cal.summary(), on="treatment")

    def plot_cal(self, tmt):
        """See :meth:`CalibrationEvaluationResults.plot_cal`.

        Parameters
        ----------
        tmt : label

        Returns
        -------
        ax : matplotlib Axes
        """
        return self.cal.plot_cal(tmt)

    def plot_qini(self, tmt, err_type=None):
        """See :meth:`UpliftEvaluationResults.plot_uplift`.

        Parameters
        ----------
        tmt : label
        err_type : {None, "ucb2", "ucb1"}, default=None

        Returns
        -------
        ax : matplotlib Axes
        """
        return self.qini.plot_uplift(tmt, err_type)

    def plot_toc(self, tmt, err_type=None):
        """See :meth:`UpliftEvaluationResults.plot_uplift`.

        Parameters
        ----------
        tmt : label
        err_type : {None, "ucb2", "ucb1"}, default=None

        Returns
        -------
        ax : matplotlib Axes
        """
        return self.toc.plot_uplift(tmt, err_type)


class DRTester(BaseEstimator):
    """econml's ``DRTester`` (validation of a fitted CATE model) on causaldist's validator.

    ``fit_nuisance`` forms doubly robust outcomes
    ``phi_k = Gamma(k) - Gamma(0)`` with T-learner outcome models and a
    propensity model, either cross-fitted on the validation rows or, with
    training data, cross-fitted on the training rows (``dr_train_``) and
    fitted on all training rows to predict the validation rows
    (``dr_val_``). econml's folds (an int ``cv`` is a ``StratifiedKFold``
    shuffled with seed 123) and its floor of 0.01 on every propensity. The
    tests read a :class:`~causaldist.validation.HeterogeneityValidator`
    built from ``dr_val_`` and the CATE model's validation predictions
    (``validator_``).

    Differences from econml: calibration groups cut at the training
    predictions' quantiles put every validation unit in one group (econml
    drops units below the smallest or above the largest training
    prediction and counts a unit equal to an inner cut in two groups); the
    arms may be any sortable labels (econml needs ``0..K-1``).

    Parameters
    ----------
    model_regression : regressor
        Outcome model, fitted per arm.
    model_propensity : classifier
        With ``predict_proba``.
    cate : fitted estimator
        With econml's ``effect(X, T0=, T1=)`` (econml's classes or these adapters).
    cv : int or iterable of (train, test), default=5

    Attributes
    ----------
    treatments : ndarray
        The arms of ``Dval`` sorted, control first.
    n_treat : int
    dr_val_ : ndarray of shape (n_val, n_treat)
    dr_train_ : ndarray of shape (n_train, n_treat)
        Only with training data.
    ate_val : ndarray of shape (n_treat,)
    cate_preds_val_, cate_preds_train_ : ndarray of shape (n, n_treat)
    validator_ : causaldist.validation.HeterogeneityValidator
        The native validator every number comes from (GATES, CLAN, RATE too).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression, LogisticRegression
    >>> from causaldist.compat.econml import DRTester, LinearDRLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2)); T = rng.integers(0, 2, 2000)
    >>> Y = (1 + X[:, 1]) * T + X[:, 0] + rng.normal(size=2000)
    >>> cate = LinearDRLearner(model_regression=LinearRegression(),
    ...                        model_propensity=LogisticRegression(),
    ...                        random_state=0).fit(Y[:1000], T[:1000], X=X[:1000])
    >>> tester = DRTester(model_regression=LinearRegression(),
    ...                   model_propensity=LogisticRegression(), cate=cate)
    >>> tester = tester.fit_nuisance(X[1000:], T[1000:], Y[1000:],
    ...                              X[:1000], T[:1000], Y[:1000])
    >>> blp = tester.evaluate_blp(X[1000:], X[:1000])
    >>> bool(blp.pvals[0] < 0.01)  # heterogeneity found
    True
    """

    def __init__(self, *, model_regression, model_propensity, cate, cv=5):
        self.model_regression = model_regression
        self.model_propensity = model_propensity
        self.cate = cate
        self.cv = cv

    # -- nuisances ----------------------------------------------------------------
    def _codes(self, D, name):
        D = np.asarray(D).ravel()
        codes = np.searchsorted(self.treatments, D)
        codes = np.minimum(codes, len(self.treatments) - 1)
        if not np.array_equal(self.treatments[codes], D):
            raise ValueError(f"{name} holds arms that Dval does not: "
                             f"{np.setdiff1d(D, self.treatments)[:5].tolist()}.")
        return codes

    def _dr(self, nuis, y, codes):
        nuis.propensity, _ = _clip_propensity(nuis.propensity, _FLOOR, "floor")
        gamma = nuis.dr_scores(y, codes)
        return gamma[:, 1:] - gamma[:, [0]]

    def _fit(self, X, y, codes, folds):
        return cross_fit(X, y, codes, n_arms=len(self.treatments), folds=folds,
                         propensity_model=self.model_propensity,
                         outcome_model=self.model_regression, min_propensity=0.0,
                         warn=False)

    @_atomic_fit
    def fit_nuisance_cv(self, X, D, y):
        """Cross-fitted DR outcomes on ``(X, D, y)``, econml's folds.

        Parameters
        ----------
        X : array-like of shape (n, k)
        D : array-like of shape (n,)
        y : array-like of shape (n,)

        Returns
        -------
        dr : ndarray of shape (n, n_treat)
        """
        X, y = _matrix(X), np.asarray(y, dtype=np.float64).ravel()
        codes = self._codes(D, "D")
        folds = self.get_cv_splits([X], np.asarray(D).ravel())
        return self._dr(self._fit(X, y, codes, folds), y, codes)

    def get_cv_splitter(self, random_state=123):
        """Build econml's splitter of ``cv`` and keep it as ``cv_splitter``.

        An int ``cv`` is a ``StratifiedKFold`` shuffled with
        ``random_state``; a splitter or a list of folds is kept as given.

        Parameters
        ----------
        random_state : int, default=123

        Returns
        -------
        None
            As econml: the splitter is the attribute ``cv_splitter``.
        """
        self.cv_splitter = _econml_splitter(self.cv, random_state)

    def get_cv_splits(self, vars, T):
        """The cross-fitting folds of :meth:`fit_nuisance_cv` (econml's method).

        Parameters
        ----------
        vars : list of array-like
            The nuisance models' inputs (None entries skipped), stacked as
            the rows to split.
        T : array-like of shape (n,)
            Treatment labels (the strata).

        Returns
        -------
        folds : list of (train, test) index arrays
        """
        if not hasattr(self, "cv_splitter"):
            self.get_cv_splitter()
        rows = np.hstack([np.asarray(v).reshape(len(v), -1) for v in vars if v is not None])
        return _econml_folds(self.cv_splitter, np.asarray(T).ravel(), rows.shape[0], None)

    @_atomic_fit
    def fit_nuisance(self, Xval, Dval, yval, Xtrain=None, Dtrain=None, ytrain=None):
        """DR outcomes of the validation rows (and of the training rows when given).

        Parameters
        ----------
        Xval : array-like of shape (n_val, k)
        Dval : array-like of shape (n_val,)
            Arms; the smallest is the control.
        yval : array-like of shape (n_val,)
        Xtrain, Dtrain, ytrain : array-like, default=None
            Training rows (all three, or none). With them the nuisances are
            fitted on the training rows and predict the validation rows; the
            calibration test needs them.

        Returns
        -------
        self : object
        """
        Xval, yval = _matrix(Xval), np.asarray(yval, dtype=np.float64).ravel()
        self.Dval = np.asarray(Dval).ravel()
        self.treatments = np.sort(np.unique(self.Dval))
        self.n_treat = len(self.treatments) - 1
        if self.n_treat < 1:
            raise ValueError("Dval must hold at least two arms.")
        self.fit_on_train = Xtrain is not None and Dtrain is not None and ytrain is not None
        codes_val = self._codes(self.Dval, "Dval")
        if self.fit_on_train:
            Xtrain = _matrix(Xtrain)
            ytrain = np.asarray(ytrain, dtype=np.float64).ravel()
            self.Dtrain = np.asarray(Dtrain).ravel()
            self.dr_train_ = self.fit_nuisance_cv(Xtrain, self.Dtrain, ytrain)
            # One held-out "fold": fitted on every training row, predicting the
            # validation rows (econml's fit_nuisance_train).
            n_tr = Xtrain.shape[0]
            n_all = n_tr + Xval.shape[0]
            nuis = self._fit(
                np.vstack([Xtrain, Xval]), np.concatenate([ytrain, yval]),
                np.concatenate([self._codes(self.Dtrain, "Dtrain"), codes_val]),
                [(np.arange(n_tr), np.arange(n_tr, n_all))],
            )
            nuis.propensity, nuis.outcome = nuis.propensity[n_tr:], nuis.outcome[n_tr:]
            self.dr_val_ = self._dr(nuis, yval, codes_val)
        else:
            self.dr_val_ = self.fit_nuisance_cv(Xval, self.Dval, yval)
        self.ate_val = self.dr_val_.mean(axis=0)
        for attr in ("cate_preds_val_", "cate_preds_train_", "validator_"):
            self.__dict__.pop(attr, None)
        return self

    # -- CATE predictions --------------------------------------------------------------
    def get_cate_preds(self, Xval, Xtrain=None):
        """``cate.effect`` of every treated arm against control at ``Xval`` (and ``Xtrain``).

        Parameters
        ----------
        Xval : array-like of shape (n_val, k)
        Xtrain : array-like of shape (n_train, k), default=None

        Returns
        -------
        None
            Sets ``cate_preds_val_`` (and ``cate_preds_train_``).
        """
        base = self.treatments[0]
        self.cate_preds_val_ = np.stack(
            [np.asarray(self.cate.effect(X=Xval, T0=base, T1=t)).ravel()
             for t in self.treatments[1:]]).T
        if Xtrain is not None:
            self.cate_preds_train_ = np.stack(
                [np.asarray(self.cate.effect(X=Xtrain, T0=base, T1=t)).ravel()
                 for t in self.treatments[1:]]).T
        self.validator_ = HeterogeneityValidator.from_scores(
            self.dr_val_, self.cate_preds_val_, categories=self.treatments)

    def _need(self, Xval, Xtrain, train):
        if not hasattr(self, "dr_val_"):
            raise ValueError("Must fit nuisances before evaluating")
        missing = not hasattr(self, "cate_preds_val_") or (
            train and not hasattr(self, "cate_preds_train_"))
        if missing:
            if Xval is None or (train and Xtrain is None):
                raise ValueError("CATE predictions not yet calculated - must provide "
                                 + ("both Xval, Xtrain" if train else "Xval"))
            self.get_cate_preds(Xval, Xtrain)

    # -- tests ------------------------------------------------------------------------
    def evaluate_cal(self, Xval=None, Xtrain=None, n_groups=4):
        """Calibration ``R^2`` (Dwivedi et al. 2020) on training-quantile groups.

        Parameters
        ----------
        Xval, Xtrain : array-like, default=None
            Needed when the CATE predictions are not computed yet.
        n_groups : int, default=4

        Returns
        -------
        results : CalibrationEvaluationResults
        """
        if not hasattr(self, "dr_train_"):
            raise ValueError("Must fit nuisance models on training sample data to use "
                             "calibration test")
        self._need(Xval, Xtrain, True)
        val = self.validator_
        r2 = val.calibration_score(n_groups, reference=self.cate_preds_train_)["r2"]
        gates = val.gates(n_groups, reference=self.cate_preds_train_)
        plot = {
            tmt: pd.DataFrame({
                "ind": np.arange(n_groups), "gate": np.asarray(gates.value)[k],
                "se_gate": np.asarray(gates.stderr)[k],
                "g_cate": gates.mean_prediction[k],
                "se_g_cate": gates.mean_prediction_stderr[k],
            })
            for k, tmt in enumerate(self.treatments[1:])
        }
        self.cal_res = CalibrationEvaluationResults(
            cal_r_squared=r2.to_numpy(), plot_data_dict=plot, treatments=self.treatments)
        return self.cal_res

    def evaluate_blp(self, Xval=None, Xtrain=None):
        """Best linear predictor test (Chernozhukov et al. 2022): slope of ``phi`` on the CATE.

        Two arms: OLS standard error and a t(n - 2) p-value (econml's
        statsmodels default); more arms: HC1 and a normal p-value.

        Parameters
        ----------
        Xval, Xtrain : array-like, default=None

        Returns
        -------
        results : BLPEvaluationResults
        """
        self._need(Xval, Xtrain, False)
        binary = self.n_treat == 1
        blp = self.validator_.blp(cov_type="nonrobust" if binary else "HC1")
        params = np.asarray(blp.value)[1::2]
        errs = np.asarray(blp.stderr)[1::2]
        z = np.abs(params / errs)
        n = self.dr_val_.shape[0]
        pvals = 2 * (student_t.sf(z, n - 2) if binary else norm.sf(z))
        self.blp_res = BLPEvaluationResults(
            params=params.tolist(), errs=errs.tolist(), pvals=pvals.tolist(),
            treatments=self.treatments)
        return self.blp_res

    def evaluate_uplift(self, Xval=None, Xtrain=None, percentiles=np.linspace(5, 95, 50),
                        metric="qini", n_bootstrap=1000):
        """Qini or TOC curve at the training predictions' percentiles and its integral.

        The uniform bands' multiplier bootstrap draws from numpy's global
        random state, as econml's: ``np.random.seed`` makes both equal.

        Parameters
        ----------
        Xval, Xtrain : array-like, default=None
        percentiles : array-like, default=np.linspace(5, 95, 50)
        metric : {"qini", "toc"}, default="qini"
        n_bootstrap : int, default=1000

        Returns
        -------
        results : UpliftEvaluationResults
        """
        if metric not in ("qini", "toc"):
            raise ValueError(f"Unsupported metric {metric!r} - must be one of ['toc', 'qini']")
        self._need(Xval, Xtrain, True)
        integral, curves = self.validator_.targeting_curve(
            "QINI" if metric == "qini" else "AUTOC", percentiles,
            reference=self.cate_preds_train_, n_bootstrap=n_bootstrap)
        coeffs = np.asarray(integral.value).tolist()
        errs = np.asarray(integral.stderr).tolist()
        data = {
            tmt: curves[tmt].rename(columns={"stderr": "err"}).assign(
                percentile=lambda d: 100 - d["percentile"]).rename(
                columns={"percentile": "Percentage treated"})
            for tmt in self.treatments[1:]
        }
        pvals = [norm.sf(abs(q / e)) for q, e in zip(coeffs, errs)]
        self.uplift_res = UpliftEvaluationResults(
            params=coeffs, errs=errs, pvals=pvals, treatments=self.treatments,
            curve_data_dict=data)
        return self.uplift_res

    def evaluate_all(self, Xval=None, Xtrain=None, n_groups=4, n_bootstrap=1000):
        """BLP, calibration, Qini and TOC in one result.

        Parameters
        ----------
        Xval, Xtrain : array-like, default=None
        n_groups : int, default=4
        n_bootstrap : int, default=1000

        Returns
        -------
        results : EvaluationResults
        """
        self._need(Xval, Xtrain, True)
        blp_res = self.evaluate_blp()
        cal_res = self.evaluate_cal(n_groups=n_groups)
        qini_res = self.evaluate_uplift(metric="qini", n_bootstrap=n_bootstrap)
        toc_res = self.evaluate_uplift(metric="toc", n_bootstrap=n_bootstrap)
        self.res = EvaluationResults(blp_res=blp_res, cal_res=cal_res, qini_res=qini_res,
                                     toc_res=toc_res)
        return self.res


def _matrix(X):
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(-1, 1) if X.ndim == 1 else X
