"""Is today's data still the data the detector was trained on? (notebooks 12 and 13)

Two families:

- :mod:`adlib.drift.batch` compares a reference sample with a current one: a per-feature
  two-sample Kolmogorov-Smirnov test with a Bonferroni or Benjamini-Hochberg correction, the
  population stability index (PSI) with its usual bands, and a kernel MMD permutation test
  that sees changes in the joint distribution no single feature shows.
- :mod:`adlib.drift.streaming` watches one value at a time and says when the stream changed:
  DDM (on a 0/1 error stream) and Page-Hinkley are written out here, ADWIN comes from river;
  all three share ``update(x) -> bool`` and ``run(stream) -> drift indices``.

Around them, for notebook 12's experiments: :mod:`adlib.drift.delays` (detection delay and
false alarms of a streaming run), :mod:`adlib.drift.battery` (every batch test on one pair of
batches) and :mod:`adlib.drift.retraining` (a retraining policy replayed month by month).
"""

from adlib.drift.batch import (
    PSI_BANDS,
    KSResult,
    MMDResult,
    ks_drift,
    mmd_test,
    psi,
    psi_band,
)
from adlib.drift.battery import BATCH_TESTS, batch_test_alarms
from adlib.drift.delays import detection_report, drift_free_alarm_counts
from adlib.drift.retraining import POLICIES, replay_retraining
from adlib.drift.streaming import ADWIN, DDM, PageHinkley, StreamingDetector

__all__ = [
    "ADWIN",
    "BATCH_TESTS",
    "DDM",
    "POLICIES",
    "PSI_BANDS",
    "KSResult",
    "MMDResult",
    "PageHinkley",
    "StreamingDetector",
    "batch_test_alarms",
    "detection_report",
    "drift_free_alarm_counts",
    "ks_drift",
    "mmd_test",
    "psi",
    "psi_band",
    "replay_retraining",
]
