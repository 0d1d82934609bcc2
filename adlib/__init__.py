"""adlib: the shared, tested code behind the anomaly-detection notebooks.

Submodules, one concern each: ``data`` (datasets, splits, windows), ``detectors`` (the
scikit-learn-style detector contract and its implementations), ``classifiers``, ``metrics``,
``thresholds``, ``drift`` (batch and streaming drift detectors), ``serve`` (input
contract, monitoring, model artefacts), ``nn`` (torch modules and the one training loop),
``plots``; and around the notebooks, ``results`` (the numbers each notebook measured, for
notebook 14 and the regression check), ``ledger`` (the claims ledger), ``practice``
(practice copies), ``bench`` (scoring latency) and ``walk`` (runs the notebooks in
parallel). ``setup`` seeds everything, pins threads and picks the device; every notebook
calls it first.
"""

from adlib.seeding import setup

__all__ = ["setup"]
__version__ = "0.1.0"
