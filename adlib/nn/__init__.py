"""Torch modules and the one training loop shared by every neural notebook."""

from adlib.nn.anomaly_transformer import (
    AnomalyTransformer,
    anomaly_score,
    association_discrepancy,
    gaussian_prior,
    minimax_loss,
)
from adlib.nn.convlstm import ConvLSTMAutoencoder, ConvLSTMCell
from adlib.nn.convolutional import ConvForecaster, TCNAutoencoder, receptive_field
from adlib.nn.frequency import FSELSTM, SqueezeExcitation, frequency_matrix, period_matrix
from adlib.nn.sae_gan import SAEGAN, AttentionEncoder, FeatureAttention, adversarial_losses
from adlib.nn.tabular import VAE, Autoencoder, GANomaly, ResidualBlock, gaussian_kl, mlp
from adlib.nn.training import History, as_dataset, fit, resolve_device

__all__ = [
    "FSELSTM",
    "SAEGAN",
    "VAE",
    "AnomalyTransformer",
    "AttentionEncoder",
    "Autoencoder",
    "ConvForecaster",
    "ConvLSTMAutoencoder",
    "ConvLSTMCell",
    "FeatureAttention",
    "GANomaly",
    "History",
    "ResidualBlock",
    "SqueezeExcitation",
    "TCNAutoencoder",
    "adversarial_losses",
    "anomaly_score",
    "as_dataset",
    "association_discrepancy",
    "fit",
    "frequency_matrix",
    "gaussian_kl",
    "gaussian_prior",
    "minimax_loss",
    "mlp",
    "period_matrix",
    "receptive_field",
    "resolve_device",
]
