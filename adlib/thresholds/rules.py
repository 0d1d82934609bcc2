"""Distribution rules and label-tuned thresholds, each fitted on non-test scores (notebook 01).

Every rule is an object: ``fit(scores, y=None)`` learns ``threshold_`` from validation (or
training) scores, ``predict(scores)`` flags ``score > threshold_`` as 1. Rules that model
the *normal* score distribution (percentile, k-sigma, IQR, FPR target) use only the scores
labelled 0 when ``y`` is given, and all scores otherwise (then assumed normal). Fitting on
the scores you then evaluate is leakage: the reported alert rate or F1 becomes a property
of the fit, not a measurement.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve

from adlib._validation import (
    MAX_MAGNITUDE,
    as_binary_labels,
    as_float_vector,
    check_both_classes,
    check_real,
)
from adlib.metrics import best_f1
from adlib.metrics._point import _threshold_below


class Threshold:
    """Base class: subclasses implement ``_fit(scores, y) -> float``."""

    def fit(self, scores: object, y: object = None) -> Threshold:
        """Learn ``threshold_`` from 1-D scores (higher = more anomalous); returns self.

        Scores beyond ``MAX_MAGNITUDE`` are refused: the statistics a rule fits (a standard
        deviation, an interpolated quantile, a tail distribution) would overflow on them.
        ``predict`` only compares, so it takes any finite score.
        """
        s = as_float_vector(scores, "scores", max_magnitude=MAX_MAGNITUDE)
        labels = None if y is None else as_binary_labels(y, "y", n=s.shape[0])
        self.threshold_ = float(self._fit(s, labels))
        return self

    def predict(self, scores: object) -> np.ndarray:
        """0/1 decisions, 1 where ``score > threshold_``; shape (n,)."""
        if not hasattr(self, "threshold_"):
            raise ValueError(
                f"This {type(self).__name__} is not fitted yet; call .fit(validation_scores) "
                "before .predict(scores)."
            )
        return (as_float_vector(scores, "scores") > self.threshold_).astype(np.int64)

    def _fit(self, scores: np.ndarray, y: np.ndarray | None) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"


def _check_labelled(rule: Threshold, y: np.ndarray | None) -> None:
    """Rules tuned on labels need them, with both classes present."""
    if y is None:
        raise ValueError(
            f"{type(rule).__name__} needs labels: call .fit(validation_scores, y_validation)."
        )
    check_both_classes(y, "y")


def _normal_scores(scores: np.ndarray, y: np.ndarray | None, minimum: int = 2) -> np.ndarray:
    normal = scores if y is None else scores[y == 0]
    if normal.size < minimum:
        raise ValueError(
            f"only {normal.size} normal scores to fit on; at least {minimum} are needed. "
            "Fit the threshold on a validation set with more normal points."
        )
    return normal


class PercentileThreshold(Threshold):
    """Flag scores above the ``q``-th percentile of normal scores.

    By construction a share ``1 - q/100`` of normal points from the same distribution is
    flagged: the 95th percentile buys a 5 % false-alarm rate, whatever the detector.
    """

    def __init__(self, q: float = 95.0) -> None:
        self.q = check_real(q, "q", low=0.0, high=100.0, inclusive=False)

    def _fit(self, scores, y):
        return np.percentile(_normal_scores(scores, y), self.q)


class KSigmaThreshold(Threshold):
    """Mean + ``k`` standard deviations of normal scores (the Gaussian maximum-likelihood fit).

    Its nominal false-alarm rate (0.13 % for k = 3) holds only if scores are Gaussian;
    reconstruction errors and densities are usually right-skewed, so the real rate differs.
    """

    def __init__(self, k: float = 3.0) -> None:
        self.k = check_real(k, "k", low=0.0, inclusive=False)

    def _fit(self, scores, y):
        normal = _normal_scores(scores, y)
        return normal.mean() + self.k * normal.std(ddof=0)


class IQRThreshold(Threshold):
    """Tukey's upper fence: Q3 + ``k`` × (Q3 − Q1) of normal scores; robust to outliers."""

    def __init__(self, k: float = 1.5) -> None:
        self.k = check_real(k, "k", low=0.0, inclusive=False)

    def _fit(self, scores, y):
        q1, q3 = np.percentile(_normal_scores(scores, y), [25.0, 75.0])
        return q3 + self.k * (q3 - q1)


class FPRThreshold(Threshold):
    """The lowest threshold whose false-positive rate on the fitting normals is ≤ ``target_fpr``.

    Unlike :class:`PercentileThreshold`, which interpolates, this takes an observed order
    statistic, so the in-sample false-alarm rate never exceeds the target (an alert budget).
    """

    def __init__(self, target_fpr: float = 0.01) -> None:
        self.target_fpr = check_real(target_fpr, "target_fpr", low=0.0, high=1.0, inclusive=False)

    def _fit(self, scores, y):
        normal = np.sort(_normal_scores(scores, y, minimum=1))
        n = normal.size
        allowed = int(np.floor(self.target_fpr * n))
        # target_fpr * n can round across an integer (0.29 * 100 = 28.999...): settle on the
        # largest number of alarms whose rate allowed / n still meets the target
        while allowed > 0 and allowed / n > self.target_fpr:
            allowed -= 1
        while allowed + 1 < n and (allowed + 1) / n <= self.target_fpr:
            allowed += 1
        return normal[n - 1 - allowed]


class F1OptimalThreshold(Threshold):
    """The threshold with the best F1 on labelled validation scores (needs both classes)."""

    def _fit(self, scores, y):
        _check_labelled(self, y)
        return best_f1(y, scores).threshold


class PrecisionTargetThreshold(Threshold):
    """The lowest threshold whose precision on labelled validation scores is ≥ ``target``.

    Lowest, so that recall is as high as the precision target allows: the rule for an alert
    queue where "at least 8 alerts in 10 must be real" is the contract with the people paged
    (notebook 13). Raises a ValueError when no threshold reaches the target on the fitting
    scores, rather than silently returning one that does not.
    """

    def __init__(self, target: float = 0.8) -> None:
        self.target = check_real(target, "target", low=0.0, high=1.0, inclusive=False)

    def _fit(self, scores, y):
        _check_labelled(self, y)
        precision, recall, cut = precision_recall_curve(y, scores)
        reaching = np.flatnonzero(precision[:-1] >= self.target)
        if reaching.size == 0:
            raise ValueError(
                f"no threshold reaches precision {self.target:g} on these scores (best "
                f"{precision[:-1].max():.3f}); lower the target or improve the detector."
            )
        best = reaching[np.argmax(recall[reaching])]
        return _threshold_below(scores, float(cut[best]))
