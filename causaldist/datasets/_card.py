"""Card's (1995) college-proximity data, bundled."""

from sklearn.utils import Bunch

from ._real import _descr, _read_bundled

__all__ = ["load_card"]

_CARD_CONTROLS = ["exper", "black", "south", "married", "smsa"]


def load_card(*, complete_case=True, as_frame=True, return_X_y_t_z=False):
    """Load Card's (1995) college-proximity data: the return to schooling by IV.

    Men of the US National Longitudinal Survey of Young Men (NLSYM), aged 14-24
    in 1966 and interviewed in 1976. Schooling is endogenous (ability raises
    both schooling and wages), and Card (1995) instruments it with growing up
    in a county with a four-year college (``nearc4``), which lowers the cost
    of college. This extract is the one of Cunningham's *Causal Inference:
    The Mixtape* (chapter "Instrumental Variables"), with his controls.

    Parameters
    ----------
    complete_case : bool, default=True
        If True, keep the 3,003 men whose ``married`` is recorded (the Mixtape's
        sample); otherwise all 3,010.
    as_frame : bool, default=True
        If True, ``data``, ``target``, ``treatment`` and ``instrument`` are pandas
        objects and ``frame`` holds every column; otherwise NumPy arrays and
        ``frame=None``.
    return_X_y_t_z : bool, default=False
        If True, return ``(data, target, treatment, instrument)`` instead of a
        Bunch.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``data`` (the controls ``exper``, ``black``, ``south``, ``married``,
        ``smsa``), ``target`` (``lwage``), ``treatment`` (``educ``),
        ``instrument`` (``nearc4``), ``frame``, ``feature_names``,
        ``target_names``, ``treatment_name``, ``instrument_name`` and
        ``DESCR`` (this text).
    (data, target, treatment, instrument) : tuple
        If ``return_X_y_t_z`` is True.

    Notes
    -----
    **Published numbers** (Cunningham 2021, *The Mixtape*, chapter 7, the table
    of OLS and 2SLS regressions of log earnings on schooling for Card's data;
    reproduced by ``tests/test_datasets.py``): on the 3,003 complete cases, the regression
    of ``lwage`` on ``educ`` with controls ``exper``, ``black``, ``south``,
    ``married``, ``smsa`` gives **OLS 0.071 (0.003)** and, instrumenting
    ``educ`` with ``nearc4``, **2SLS 0.124 (0.050)**; the first-stage
    coefficient of ``nearc4`` is 0.327 and its F statistic **15.767**. Card's
    own estimate with his fuller controls (experience squared, regional and
    1966 residence dummies, which this extract lacks) is 0.132 (0.055)
    (Card 1995; Wooldridge 2010, Example 15.4), about 80% above OLS: a return of 12-13% per year
    of schooling.

    **Columns**:

    - ``lwage``: log hourly wage in 1976 (cents) (outcome).
    - ``educ``: years of schooling in 1976 (treatment).
    - ``nearc4``: a four-year college in the county of residence in 1966, 1 yes,
      0 no (instrument).
    - ``exper``: potential experience, ``age - educ - 6``.
    - ``black``: 1 black, 0 not.
    - ``south``: lived in the South in 1976.
    - ``smsa``: lived in a metropolitan area (SMSA) in 1976.
    - ``married``: the NLSYM marital-status code (1 to 6), used as a number in the
      Mixtape's regressions; missing for 7 men.

    **Source.** The NLSYM extract distributed by David Card
    (``card.dta``/``proximity``), as packaged in ``causaldata`` 0.1.5
    (``close_college``, MIT licence) by Nick Huntington-Klein for the Mixtape and
    *The Effect*; bundled unchanged (``lwage``, float32 in the source, written to
    7 decimals) by ``causaldist/datasets/data/make_data.py``.

    **Licence.** The NLS public-use data of the US Bureau of Labor Statistics
    (not subject to copyright in the US; ``causaldata`` marks it "Public
    domain"); the package is MIT licensed.

    References
    ----------
    .. [1] Card, D. (1995). Using geographic variation in college proximity to
       estimate the return to schooling. In L. N. Christofides, E. K. Grant and
       R. Swidinsky (eds.), *Aspects of Labour Market Behaviour: Essays in
       Honour of John Vanderkamp*, 201-222. University of Toronto Press.
    .. [2] Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and
       Panel Data*, 2nd ed. MIT Press. Example 15.4 (2013 *Introductory
       Econometrics* edition of the example).
    .. [3] Cunningham, S. (2021). *Causal Inference: The Mixtape*. Yale
       University Press. Chapter 7.

    Examples
    --------
    >>> from causaldist.datasets import load_card
    >>> card = load_card()
    >>> card.frame.shape
    (3003, 8)
    >>> X, y, t, z = load_card(return_X_y_t_z=True)
    >>> round(float(t[z == 1].mean() - t[z == 0].mean()), 2)  # schooling near a college
    0.83
    """
    frame = _read_bundled("card.csv.gz")
    if complete_case:
        frame = frame[frame["married"].notna()].reset_index(drop=True)
    X, y, t, z = frame[_CARD_CONTROLS], frame["lwage"], frame["educ"], frame["nearc4"]
    if not as_frame:
        X, y, t, z = X.to_numpy(), y.to_numpy(), t.to_numpy(), z.to_numpy()
    if return_X_y_t_z:
        return X, y, t, z
    return Bunch(data=X, target=y, treatment=t, instrument=z,
                 frame=frame if as_frame else None, feature_names=list(_CARD_CONTROLS),
                 target_names=["lwage"], treatment_name="educ", instrument_name="nearc4",
                 DESCR=_descr(load_card))
