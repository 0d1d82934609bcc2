"""Torch modules and the one training loop shared by every neural notebook."""

from adlib.nn.tabular import VAE, Autoencoder, GANomaly, ResidualBlock, gaussian_kl, mlp
from adlib.nn.training import History, as_dataset, fit, resolve_device

__all__ = [
    "VAE",
    "Autoencoder",
    "GANomaly",
    "History",
    "ResidualBlock",
    "as_dataset",
    "fit",
    "gaussian_kl",
    "mlp",
    "resolve_device",
]
