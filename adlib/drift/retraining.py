"""Replay a retraining policy over monthly rows and score its alerts month by month (notebook 12).

Three policies answer "when should the detector be retrained?": never (the first model
forever), every month on a rolling window, or only when an input-drift alarm (PSI) fires.
:func:`replay_retraining` runs one of them over months of rows with known labels, so that
their false-alarm rate, recall and number of retrains can be compared side by side.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from adlib._validation import as_binary_labels, as_float_matrix, check_int, check_real
from adlib.drift.batch import psi

#: The policies :func:`replay_retraining` knows.
POLICIES = ("never retrain", "retrain monthly", "retrain on drift")


def replay_retraining(
    features: object,
    month: object,
    labels: object,
    policy: str,
    make_detector: Callable[[], object],
    *,
    window_months: int = 6,
    alert_budget: float = 0.02,
    psi_alarm: float = 0.25,
    drift_alarm: Callable[[np.ndarray, np.ndarray], bool] | None = None,
    exclude_flagged: bool = False,
) -> pd.DataFrame:
    """Run ``policy`` month by month from ``window_months`` on; one row of results per month.

    ``features`` (n_rows, n_features) are rows of many entities over months; ``month``
    (n_rows,) the integer month of each row, counted from 0; ``labels`` (n_rows,) 1 for a
    row the detector should alert on. A model is ``make_detector()`` fitted on the rows of a
    window of months; it alerts on a row whose score exceeds the (1 − ``alert_budget``)
    quantile of its training scores. The first model is trained on months 0 to
    ``window_months`` − 1. Then each month m: *retrain monthly* retrains on the previous
    ``window_months`` months (from the second month on); *retrain on drift* does so only
    when some feature's PSI between month m and the model's training rows exceeds
    ``psi_alarm`` (or, when given, when ``drift_alarm(reference_rows, month_rows)`` is
    true); *never retrain* keeps the first model. With ``exclude_flagged``, a retraining
    drops the window's rows that the current model alerts on, so that it does not learn the
    anomalies as normal (the drift alarm still compares with the whole window). Returns a
    DataFrame with columns policy, month, false-alarm rate (among label-0 rows), recall
    (among label-1 rows, NaN in a month without any), alerts (count) and retrains so far.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}.")
    if not callable(make_detector):
        raise TypeError(
            f"make_detector must build an unfitted detector, got {type(make_detector).__name__}; "
            "pass e.g. lambda: IsolationForestDetector(random_state=0)."
        )
    features = as_float_matrix(features, "features")
    month = np.asarray(month)
    if month.shape != (features.shape[0],) or not np.issubdtype(month.dtype, np.integer):
        raise ValueError(
            f"month must hold one integer month per row of features, shape ({features.shape[0]},), "
            f"got {month.dtype} of shape {month.shape}."
        )
    labels = as_binary_labels(labels, "labels", n=features.shape[0])
    window_months = check_int(window_months, "window_months", low=1)
    alert_budget = check_real(alert_budget, "alert_budget", low=0.0, high=1.0, inclusive=False)
    psi_alarm = check_real(psi_alarm, "psi_alarm", low=0.0)
    if drift_alarm is None:

        def drift_alarm(reference: np.ndarray, current: np.ndarray) -> bool:
            return psi(reference, current).max() > psi_alarm

    elif not callable(drift_alarm):
        raise TypeError(
            f"drift_alarm must be a function (reference, current) -> bool, got "
            f"{type(drift_alarm).__name__}; pass e.g. lambda r, c: ks_drift(r, c).any_drift."
        )
    if not isinstance(exclude_flagged, bool):
        raise TypeError(f"exclude_flagged must be True or False, got {exclude_flagged!r}.")
    n_months = int(month.max()) + 1
    if n_months <= window_months:
        raise ValueError(
            f"the panel has {n_months} months, not more than window_months={window_months}; "
            "nothing is left to replay. Lower window_months."
        )

    def train(first: int, last: int, current: tuple | None) -> tuple[object, float, np.ndarray]:
        window = features[np.isin(month, np.arange(first, last))]
        rows = window
        if current is not None:  # keep only the rows the current model does not alert on
            rows = window[current[0].score_samples(window) <= current[1]]
        model = make_detector().fit(rows)
        return model, np.quantile(model.score_samples(rows), 1 - alert_budget), window

    model, cut, reference = train(0, window_months, None)
    retrains, results = 0, []
    for m in range(window_months, n_months):
        this_month = month == m
        stale = policy == "retrain monthly" and m > window_months
        stale |= policy == "retrain on drift" and drift_alarm(reference, features[this_month])
        if stale:
            current = (model, cut) if exclude_flagged else None
            model, cut, reference = train(m - window_months, m, current)
            retrains += 1
        alerts = model.score_samples(features[this_month]) > cut
        truth = labels[this_month]
        results.append(
            {
                "policy": policy,
                "month": m,
                "false-alarm rate": alerts[truth == 0].mean(),
                "recall": alerts[truth == 1].mean() if truth.any() else np.nan,
                "alerts": int(alerts.sum()),
                "retrains so far": retrains,
            }
        )
    return pd.DataFrame(results)
