"""Detectors behind one scikit-learn-style contract (see :mod:`adlib.detectors.base`).

``fit(X)``, then ``score_samples(X)`` with higher = more anomalous, then
``predict(X, threshold)`` with a fitted :mod:`adlib.thresholds` rule. Window detectors
(:mod:`adlib.detectors.windows`) take X of shape (n_windows, window, n_channels); the
whole-series detectors and changepoint functions (:mod:`adlib.detectors.series`) take one
series and score every step.
"""

from adlib.detectors.base import BaseDetector
from adlib.detectors.baselines import IQRDetector, RandomDetector, ZScoreDetector
from adlib.detectors.classical import IsolationForestDetector, LOFDetector, OneClassSVMDetector
from adlib.detectors.density import (
    GMMDetector,
    KDEDetector,
    MultivariateGaussian,
    PerFeatureGaussian,
)
from adlib.detectors.hybrid import ScoreFusion, TwoStageDetector
from adlib.detectors.linear import PCADetector
from adlib.detectors.neural import (
    AutoencoderDetector,
    DenoisingAutoencoderDetector,
    GANomalyDetector,
    NeuralDetector,
    ResidualAutoencoderDetector,
    VAEDetector,
)
from adlib.detectors.sequence import SequenceDetector
from adlib.detectors.sequence_neural import (
    GRUAutoencoderDetector,
    LSTMAutoencoderDetector,
    NeuralSequenceDetector,
    TranADDetector,
    TransformerDetector,
)
from adlib.detectors.series import (
    ARIMAResidualDetector,
    Changepoint,
    SeriesDetector,
    STLResidualDetector,
    cusum_changepoint,
    mean_shift_changepoints,
    rolling_zscore,
)
from adlib.detectors.windows import WindowDiscordDetector, WindowPCADetector, WindowZScoreDetector

__all__ = [
    "ARIMAResidualDetector",
    "AutoencoderDetector",
    "BaseDetector",
    "Changepoint",
    "DenoisingAutoencoderDetector",
    "GANomalyDetector",
    "GMMDetector",
    "GRUAutoencoderDetector",
    "IQRDetector",
    "IsolationForestDetector",
    "KDEDetector",
    "LOFDetector",
    "LSTMAutoencoderDetector",
    "MultivariateGaussian",
    "NeuralDetector",
    "NeuralSequenceDetector",
    "OneClassSVMDetector",
    "PCADetector",
    "PerFeatureGaussian",
    "RandomDetector",
    "ResidualAutoencoderDetector",
    "STLResidualDetector",
    "ScoreFusion",
    "SequenceDetector",
    "SeriesDetector",
    "TranADDetector",
    "TransformerDetector",
    "TwoStageDetector",
    "VAEDetector",
    "WindowDiscordDetector",
    "WindowPCADetector",
    "WindowZScoreDetector",
    "ZScoreDetector",
    "cusum_changepoint",
    "mean_shift_changepoints",
    "rolling_zscore",
]
