"""The castle-doctrine state panel of Cheng & Hoekstra (2013), bundled."""

from sklearn.utils import Bunch

from ._real import _descr, _read_bundled

__all__ = ["load_castle"]

_CASTLE_COVARIATES = ["unemployrt", "poverty", "l_police", "l_income", "l_prisoner",
                      "l_lagprisoner", "l_exp_subsidy", "l_exp_pubwelfare", "blackm_15_24",
                      "whitem_15_24", "blackm_25_44", "whitem_25_44"]


def load_castle(*, target="l_homicide", as_frame=True):
    """Load the castle-doctrine panel: 50 US states, 2000-2010, staggered adoption.

    Between 2005 and 2009, 21 states passed "castle doctrine" / "stand your
    ground" laws that widen the justified use of lethal force in self-defence.
    Cheng & Hoekstra (2013) estimate their effect on crime by difference in
    differences with staggered adoption (about an 8% increase in homicides);
    Cunningham's *Causal Inference: The Mixtape* (ch. 9) uses the data as its
    staggered-adoption example. Cohorts (``first_treated``): 2005 (3 states),
    2006 (11), 2007 (4), 2008 (2), 2009 (1); 29 states never adopt.

    Parameters
    ----------
    target : str, default="l_homicide"
        Outcome column returned as ``target``.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame and ``target``, ``unit``, ``time``,
        ``first_treated`` are Series; otherwise NumPy arrays.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``frame`` (all columns, one row per state and year), ``data`` (the twelve
        time-varying covariates below), ``target``, ``unit`` (``sid``), ``time``
        (``year``), ``first_treated``, ``weight`` (``popwt``), ``feature_names``,
        ``DESCR`` (this text). Pass them as
        ``StaggeredDiD().fit(None, b.target, unit=b.unit, time=b.time,
        first_treated=b.first_treated)``.

    Notes
    -----
    **Columns** (rates per 100,000 population; ``l_`` is the natural log):

    - ``sid``: state id (1-51, no 9).
    - ``year``: 2000 to 2010.
    - ``first_treated``: year the state's castle-doctrine law took effect (the
      Mixtape's ``effyear``), 0 if it never did by 2010.
    - ``post``: 1 from the first full year under the law.
    - ``l_homicide``, ``homicide``: homicides (log, rate). ``murder``: murders
      and non-negligent manslaughters. ``robbery``, ``assault`` (aggravated),
      ``burglary``, ``larceny``, ``motor`` (vehicle theft), ``l_larceny``,
      ``l_motor``: other crime rates.
    - ``robbery_gun_r``: share of robberies committed with a gun.
    - ``jhcitizen_c``, ``jhpolice_c``: justifiable homicides by private citizens
      and by police (counts).
    - ``unemployrt``: unemployment rate. ``poverty``: poverty rate.
    - ``l_police``: log police per capita. ``l_income``: log median income.
      ``l_prisoner``, ``l_lagprisoner``: log prisoners per capita, and lagged.
      ``l_exp_subsidy``, ``l_exp_pubwelfare``: log per-capita spending on
      subsidies and public welfare.
    - ``blackm_15_24``, ``whitem_15_24``, ``blackm_25_44``, ``whitem_25_44``:
      percentage of the population that is black/white men aged 15-24 / 25-44.
    - ``popwt``: state population (weight).

    **Published numbers** (reproduced by ``tests/test_panel.py``): Cheng &
    Hoekstra (2013) report an 8% increase in homicides; Callaway & Sant'Anna's
    estimator on this panel without covariates gives an overall ATT on log
    homicides of about 0.08-0.10 (0.097, s.e. 0.04, simple aggregation, not-yet-
    treated comparison units; event-study average 0.083).

    **Source.** The ``causaldata`` package 0.1.5 (``castle``; MIT licence,
    N. Huntington-Klein), the Mixtape's ``castle.dta``, built by Cheng & Hoekstra
    from the FBI Uniform Crime Reports Summary files (public records). Reduced
    here to the outcome, covariate and weight columns (the region-by-year and
    state-trend dummies and lead/lag indicators are left out; the leads and lags
    date ``first_treated``); rebuilt by ``causaldist/datasets/data/make_data.py``.

    **Licence.** MIT (``causaldata``); the underlying crime statistics are US
    federal government data in the public domain.

    References
    ----------
    .. [1] Cheng, C. and Hoekstra, M. (2013). Does strengthening self-defense law
       deter crime or escalate violence? Evidence from expansions to castle
       doctrine. Journal of Human Resources, 48(3), 821-854.
    .. [2] Cunningham, S. (2021). Causal Inference: The Mixtape. Yale University
       Press, ch. 9.

    Examples
    --------
    >>> from causaldist.datasets import load_castle
    >>> castle = load_castle()
    >>> castle.frame.shape
    (550, 30)
    >>> castle.frame.groupby("first_treated")["sid"].nunique().to_dict()
    {0: 29, 2005: 3, 2006: 11, 2007: 4, 2008: 2, 2009: 1}
    """
    frame = _read_bundled("castle.csv.gz")
    if target not in frame.columns:
        raise ValueError(f"target must be a column of the castle data; got {target!r}.")
    out = Bunch(frame=frame, data=frame[_CASTLE_COVARIATES], target=frame[target],
                unit=frame["sid"], time=frame["year"], first_treated=frame["first_treated"],
                weight=frame["popwt"], feature_names=list(_CASTLE_COVARIATES),
                DESCR=_descr(load_castle))
    if not as_frame:
        for key in ("data", "target", "unit", "time", "first_treated", "weight"):
            out[key] = out[key].to_numpy()
    return out
