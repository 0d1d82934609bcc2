"""Torch modules and the one training loop shared by every neural notebook."""

from adlib.nn.training import History, as_dataset, fit, resolve_device

__all__ = ["History", "as_dataset", "fit", "resolve_device"]
