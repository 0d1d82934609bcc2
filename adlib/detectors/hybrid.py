"""Hybrid detectors: a cheap filter before an expensive model, and score fusion (notebook 10).

:class:`TwoStageDetector` scores every row with a fast stage 1 (Isolation Forest by
default) and sends only the most suspicious ``pass_rate`` of rows to a costly stage 2 (an
autoencoder by default). The stage-1 cut is a quantile of the *training* scores, fixed in
``fit``: a cut computed on the batch being scored (the sources' version) makes one row's
decision depend on which other rows happen to share its batch.

:class:`ScoreFusion` combines detectors that are already fitted, by averaging their scores
after putting them on one scale, learned on validation data: the rank (the share of
validation scores below) or the z-score (validation mean and standard deviation).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from sklearn.base import clone

from adlib._validation import check_real
from adlib.detectors.base import BaseDetector
from adlib.detectors.classical import IsolationForestDetector
from adlib.detectors.neural import AutoencoderDetector


def _empirical_cdf(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Share of ``reference`` scores at or below each score, in [0, 1]."""
    return np.searchsorted(np.sort(reference), scores, side="right") / reference.size


def _check_pass_rate(value: object) -> float:
    pass_rate = check_real(value, "pass_rate", low=0.0, high=1.0)
    if pass_rate == 0.0:
        raise ValueError("pass_rate=0 sends nothing to stage 2; use stage 1 alone instead.")
    return pass_rate


class TwoStageDetector(BaseDetector):
    """Stage 1 filters, stage 2 scores what passes; both fitted on the same normal rows.

    ``fit`` fits clones of ``stage1`` and ``stage2`` on the training rows and fixes the
    stage-1 cut at the ``1 - pass_rate`` quantile of stage-1 training scores. Scoring puts
    every row that passes above every row that does not, and keeps each stage's order
    within its group: a held-back row scores its stage-1 score minus the cut (negative), a
    passing row the softplus of its stage-2 score standardised by the stage-2 training
    scores (positive). Stage 2 runs only on passing rows; ``last_pass_share_`` records the
    share of the last scored batch that reached it. ``pass_rate=1`` ranks like stage 2 alone.
    """

    def __init__(
        self,
        stage1: BaseDetector | None = None,
        stage2: BaseDetector | None = None,
        pass_rate: float = 0.1,
        random_state: int | None = None,
    ) -> None:
        self.stage1 = stage1
        self.stage2 = stage2
        self.pass_rate = pass_rate
        self.random_state = random_state

    def _fit(self, X):
        pass_rate = _check_pass_rate(self.pass_rate)
        stage1 = self.stage1
        if stage1 is None:
            stage1 = IsolationForestDetector(random_state=self.random_state)
        stage2 = self.stage2
        if stage2 is None:
            stage2 = AutoencoderDetector(random_state=self.random_state)
        for name, stage in (("stage1", stage1), ("stage2", stage2)):
            if not isinstance(stage, BaseDetector):
                raise TypeError(
                    f"{name} must be an adlib detector (fit / score_samples on rows), got "
                    f"{type(stage).__name__}."
                )
        self.stage1_ = clone(stage1).fit(X)
        self.stage2_ = clone(stage2).fit(X)
        self.stage1_train_ = self.stage1_.score_samples(X)
        self.cut_ = float(np.quantile(self.stage1_train_, 1.0 - pass_rate))
        second = self.stage2_.score_samples(X)
        self.stage2_mean_ = float(second.mean())
        self.stage2_scale_ = float(second.std()) or 1.0

    def at_pass_rate(self, pass_rate: float) -> TwoStageDetector:
        """A copy of this fitted detector with another pass rate, sharing the fitted stages.

        Only the stage-1 cut depends on the pass rate, so a sweep over pass rates needs one
        fit, not one per rate. The cut is recomputed from the stage-1 training scores.
        """
        if not hasattr(self, "cut_"):
            raise ValueError(
                "This TwoStageDetector is not fitted yet; call .fit(X_train) before "
                ".at_pass_rate(rate)."
            )
        pass_rate = _check_pass_rate(pass_rate)
        other = copy.copy(self)
        other.pass_rate = pass_rate
        other.cut_ = float(np.quantile(self.stage1_train_, 1.0 - pass_rate))
        return other

    def _score(self, X):
        first = self.stage1_.score_samples(X)
        passed = first >= self.cut_ if self.pass_rate < 1.0 else np.ones(len(X), dtype=bool)
        scores = first - self.cut_  # negative for every held-back row
        if passed.any():
            z = (self.stage2_.score_samples(X[passed]) - self.stage2_mean_) / self.stage2_scale_
            scores[passed] = np.logaddexp(0.0, z)  # softplus: positive, increasing in z
        self.last_pass_share_ = float(passed.mean())
        return scores


class ScoreFusion(BaseDetector):
    """Average of several fitted detectors' scores, each first mapped to a common scale.

    ``fit(X_val)`` learns each detector's scale from its scores on validation rows (the
    detectors themselves are not refitted): ``method="rank"`` maps a score to the share of
    validation scores at or below it; ``"zscore"`` subtracts their mean and divides by their
    standard deviation. ``weights`` (default equal) weight the average.
    """

    def __init__(
        self,
        detectors: Sequence[BaseDetector] = (),
        method: str = "rank",
        weights: Sequence[float] | None = None,
    ) -> None:
        self.detectors = detectors
        self.method = method
        self.weights = weights

    def _fit(self, X):
        if self.method not in ("rank", "zscore"):
            raise ValueError(f"method must be 'rank' or 'zscore', got {self.method!r}.")
        if len(self.detectors) < 2:
            raise ValueError("ScoreFusion needs at least two fitted detectors to combine.")
        for detector in self.detectors:
            if not hasattr(detector, "n_features_in_"):
                raise ValueError(
                    f"{type(detector).__name__} is not fitted; fit every detector on training "
                    "rows first, then fit the fusion on validation rows."
                )
        weights = (
            np.ones(len(self.detectors))
            if self.weights is None
            else np.asarray(self.weights, float)
        )
        if weights.shape != (len(self.detectors),) or np.any(weights < 0) or weights.sum() == 0:
            raise ValueError(
                f"weights must be {len(self.detectors)} non-negative numbers, not all zero; "
                f"got {self.weights!r}."
            )
        self.weights_ = weights / weights.sum()
        self.validation_scores_ = [d.score_samples(X) for d in self.detectors]
        spread = [s.std() for s in self.validation_scores_]
        if self.method == "zscore" and min(spread) == 0:
            raise ValueError(
                "a detector gives constant validation scores, so its z-score is undefined; "
                "use method='rank' or drop that detector."
            )

    def _score(self, X):
        columns = []
        for detector, reference in zip(self.detectors, self.validation_scores_, strict=True):
            scores = detector.score_samples(X)
            if self.method == "rank":
                columns.append(_empirical_cdf(reference, scores))
            else:
                columns.append((scores - reference.mean()) / reference.std())
        return np.column_stack(columns) @ self.weights_
