"""Classical detectors wrapped from scikit-learn into the adlib contract (notebooks 01-02).

scikit-learn's ``score_samples`` is higher for *normal* points; these wrappers negate it,
so that the scores agree with every other adlib detector (higher = more anomalous).
"""

from __future__ import annotations

from sklearn.ensemble import IsolationForest

from adlib._validation import check_int
from adlib.detectors.base import BaseDetector


class IsolationForestDetector(BaseDetector):
    """Isolation Forest: anomalies are isolated by fewer random splits than normal points.

    The score is the paper's s(x) = 2^(−E[h(x)]/c(n)) in (0, 1); values near 1 are
    anomalous. Invariant to monotone rescaling of each feature, so needs no scaling.
    """

    def __init__(
        self, n_estimators: int = 100, max_samples: int | str = "auto", random_state=None
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _fit(self, X):
        check_int(self.n_estimators, "n_estimators", low=1)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            random_state=self.random_state,
        ).fit(X)

    def _score(self, X):
        return -self.forest_.score_samples(X)
