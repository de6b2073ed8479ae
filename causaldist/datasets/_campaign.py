"""A marketing campaign with a 0/1 response and a known uplift per customer."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_campaign"]

_FEATURES = ["recency", "history", "frequency", "web_visits", "newbie"]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_campaign(
    n_samples=10000,
    *,
    n_arms=2,
    base_rate=0.05,
    n_noise_features=0,
    treated_share=None,
    treatment_labels=None,
    as_frame=False,
    return_truth=False,
    random_state=None,
):
    """Simulate a randomised campaign: customers, arms, 0/1 responses, true uplift.

    Each customer has ``recency`` (months since the last purchase, 1-12),
    ``history`` (past spend, log-normal), ``frequency`` (purchases last
    year, Poisson), ``web_visits`` (Poisson) and ``newbie`` (0/1), plus
    ``n_noise_features`` standard normal columns that matter for nothing.
    The response is ``Y ~ Bernoulli(p_A(x))`` with

    ``logit p_a(x) = b(x) + u_a(x)``,
    ``b(x) = logit(base_rate) + 0.5 f(x) - 0.08 (recency - 6)``,
    ``f(x) = log(1 + frequency) - 1``,

    and the uplift on the logit scale of arm ``a > 0`` (``s_a = a / (K - 1)``)

    ``u_a(x) = s_a [1.2 * 1{recency <= 3} + 0.6 * newbie - 0.4 * 1{web_visits >= 4}]
    + 0.8 * 1{a even} * 1{history > median}``,

    so that recent buyers and new customers are persuadable, frequent web
    visitors are "sleeping dogs" (the campaign lowers their response), and
    with three or more arms the even arms (say a phone call) reach the
    high spenders the others miss. The true uplift of arm ``a`` is
    ``p_a(x) - p_0(x)``, on the probability scale.

    Parameters
    ----------
    n_samples : int, default=10000
        Number of customers.
    n_arms : int, default=2
        Number of arms K, control included.
    base_rate : float, default=0.05
        Response rate of a typical customer without the campaign.
    n_noise_features : int, default=0
        Extra irrelevant N(0, 1) columns (``noise0, noise1, ...``).
    treated_share : float, default=None
        Probability of being treated with two arms; ``None`` means every arm
        equally likely (also the only option with more arms).
    treatment_labels : sequence of length n_arms, default=None
        Labels of the arms, control first; ``None`` means ``0..K-1``.
    as_frame : bool, default=False
        ``X`` as a DataFrame with the column names above and the treatment as
        a Series.
    return_truth : bool, default=False
        Return a ``Bunch`` that also holds ``propensity`` (n, K) and
        ``response`` (n, K), every arm's response probability.
    random_state : int, RandomState instance or None, default=None
        Seed of the simulation.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples, 5 + n_noise_features)
        Customer features.
    y : ndarray of shape (n_samples,)
        0/1 responses.
    treatment : ndarray or Series of shape (n_samples,)
        Arm received, from ``treatment_labels``.
    uplift : ndarray of shape (n_samples,) or (n_samples, n_arms - 1)
        True uplift of each treated arm against control.

    Or, with ``return_truth=True``, a ``Bunch`` with those keys plus
    ``propensity`` and ``response``.

    See Also
    --------
    make_heterogeneous : Continuous outcomes with a known CATE.
    load_hillstrom : A real e-mail campaign.

    Examples
    --------
    >>> from causaldist.datasets import make_campaign
    >>> X, y, t, uplift = make_campaign(n_samples=20000, as_frame=True, random_state=0)
    >>> list(X.columns)
    ['recency', 'history', 'frequency', 'web_visits', 'newbie']
    >>> [round(float(v), 3) for v in (y[t == 0].mean(), y[t == 1].mean(), uplift.mean())]
    [0.05, 0.093, 0.043]
    >>> bool((uplift < 0).any())  # sleeping dogs
    True
    """
    if n_arms < 2:
        raise ValueError(f"n_arms must be at least 2; got {n_arms}.")
    if not 0 < base_rate < 1:
        raise ValueError(f"base_rate must be in (0, 1); got {base_rate}.")
    if n_noise_features < 0:
        raise ValueError(f"n_noise_features must be >= 0; got {n_noise_features}.")
    if treated_share is not None and (n_arms != 2 or not 0 < treated_share < 1):
        raise ValueError(
            "treated_share must be in (0, 1) and needs two arms; got "
            f"{treated_share} with {n_arms} arms."
        )
    if treatment_labels is not None and len(treatment_labels) != n_arms:
        raise ValueError(
            f"treatment_labels has {len(treatment_labels)} labels for {n_arms} arms."
        )
    rng = check_random_state(random_state)
    recency = rng.randint(1, 13, n_samples).astype(np.float64)
    history = np.round(np.exp(rng.normal(5.0, 0.8, n_samples)), 2)
    frequency = rng.poisson(2.0, n_samples).astype(np.float64)
    web_visits = rng.poisson(2.0, n_samples).astype(np.float64)
    newbie = (rng.random_sample(n_samples) < 0.3).astype(np.float64)
    noise = rng.standard_normal((n_samples, n_noise_features))
    X = np.column_stack([recency, history, frequency, web_visits, newbie, noise])

    arms = np.arange(n_arms)
    scale = arms / (n_arms - 1)
    base = (np.log(base_rate / (1 - base_rate)) + 0.5 * (np.log1p(frequency) - 1)
            - 0.08 * (recency - 6))
    lift = 1.2 * (recency <= 3) + 0.6 * newbie - 0.4 * (web_visits >= 4)
    big = (history > np.median(history)).astype(np.float64)
    u = scale * lift[:, None] + 0.8 * ((arms % 2 == 0) & (arms > 0)) * big[:, None]
    response = _sigmoid(base[:, None] + u)
    if treated_share is not None:
        propensity = np.tile([1 - treated_share, treated_share], (n_samples, 1))
    else:
        propensity = np.full((n_samples, n_arms), 1.0 / n_arms)
    draw = rng.random_sample(n_samples)[:, None]
    codes = np.minimum((draw > np.cumsum(propensity, axis=1)).sum(axis=1), n_arms - 1)
    y = (rng.random_sample(n_samples) < response[np.arange(n_samples), codes]).astype(
        np.float64)
    labels = arms if treatment_labels is None else np.asarray(treatment_labels)
    treatment = labels[codes]
    uplift = response[:, 1:] - response[:, [0]]
    uplift = uplift[:, 0] if n_arms == 2 else uplift
    if as_frame:
        X = pd.DataFrame(X, columns=_FEATURES + [f"noise{j}" for j in range(n_noise_features)])
        treatment = pd.Series(treatment, name="treatment")
    if return_truth:
        return Bunch(X=X, y=y, treatment=treatment, uplift=uplift, propensity=propensity,
                     response=response)
    return X, y, treatment, uplift
