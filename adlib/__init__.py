"""adlib: the shared, tested code behind the anomaly-detection notebooks.

Submodules, one concern each: ``data`` (datasets, splits, windows, simulators),
``detectors`` (the scikit-learn-style detector contract and its implementations),
``classifiers``, ``metrics`` (point, range, budget and alert metrics), ``thresholds``,
``drift`` (batch and streaming drift detectors, detection delays, retraining replays),
``serve`` (input contract, monitoring, model artefacts, the serving loop and alert
reports), ``nn`` (torch modules and the one training loop), ``plots``. The experiment
protocols the notebooks run, each taught in one notebook and reused where another needs
it: ``evaluation`` (fit, score, summarise, compare), ``density_comparison`` (01),
``suites`` and ``protocols`` (02, 03), ``learning_curves`` (03), ``verdicts`` (04, 05),
``series_eval`` (06), ``ucr_evaluation`` and ``alarms`` (07, 09), ``hybrid_eval`` (10),
``interview`` (16). Around the notebooks: ``results`` (the numbers each notebook
measured, for notebook 16 and the regression check), ``ledger`` (claims tables and the
claims ledger), ``practice`` (practice copies), ``bench`` (scoring latency) and ``walk``
(runs the notebooks in parallel). ``setup`` seeds everything, pins threads and picks the
device; every notebook calls it first.
"""

from adlib.seeding import setup

__all__ = ["setup"]
__version__ = "0.1.0"
