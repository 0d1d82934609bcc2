"""Detectors behind one scikit-learn-style contract (see :mod:`adlib.detectors.base`).

``fit(X)``, then ``score_samples(X)`` with higher = more anomalous, then
``predict(X, threshold)`` with a fitted :mod:`adlib.thresholds` rule. Window detectors
(:mod:`adlib.detectors.windows`) take X of shape (n_windows, window, n_channels); the
whole-series detectors and changepoint functions (:mod:`adlib.detectors.series`) take one
series and score every step.
"""

from adlib.detectors.anomaly_transformer import AnomalyTransformerDetector
from adlib.detectors.base import BaseDetector
from adlib.detectors.baselines import IQRDetector, RandomDetector, ZScoreDetector
from adlib.detectors.classical import IsolationForestDetector, LOFDetector, OneClassSVMDetector
from adlib.detectors.convolutional import CNNForecastDetector, TCNAutoencoderDetector
from adlib.detectors.density import (
    GMMDetector,
    KDEDetector,
    MultivariateGaussian,
    PerFeatureGaussian,
)
from adlib.detectors.hybrid import ScoreFusion, TwoStageDetector
from adlib.detectors.hybrid_sequence import (
    ConvLSTMAutoencoderDetector,
    IFAEConvLSTMDetector,
    WindowAutoencoderDetector,
    WindowIsolationForestDetector,
    window_features,
)
from adlib.detectors.linear import PCADetector
from adlib.detectors.neural import (
    AutoencoderDetector,
    DenoisingAutoencoderDetector,
    GANomalyDetector,
    NeuralDetector,
    ResidualAutoencoderDetector,
    SAEGANDetector,
    VAEDetector,
)
from adlib.detectors.sequence import FlattenedWindowDetector, SequenceDetector
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
from adlib.detectors.window_baselines import (
    KMeansWindowDetector,
    MatrixProfileDetector,
    SubPCADetector,
)
from adlib.detectors.windows import WindowDiscordDetector, WindowPCADetector, WindowZScoreDetector

__all__ = [
    "ARIMAResidualDetector",
    "AnomalyTransformerDetector",
    "AutoencoderDetector",
    "BaseDetector",
    "CNNForecastDetector",
    "Changepoint",
    "ConvLSTMAutoencoderDetector",
    "DenoisingAutoencoderDetector",
    "FlattenedWindowDetector",
    "GANomalyDetector",
    "GMMDetector",
    "GRUAutoencoderDetector",
    "IFAEConvLSTMDetector",
    "IQRDetector",
    "IsolationForestDetector",
    "KDEDetector",
    "KMeansWindowDetector",
    "LOFDetector",
    "LSTMAutoencoderDetector",
    "MatrixProfileDetector",
    "MultivariateGaussian",
    "NeuralDetector",
    "NeuralSequenceDetector",
    "OneClassSVMDetector",
    "PCADetector",
    "PerFeatureGaussian",
    "RandomDetector",
    "ResidualAutoencoderDetector",
    "SAEGANDetector",
    "STLResidualDetector",
    "ScoreFusion",
    "SequenceDetector",
    "SeriesDetector",
    "SubPCADetector",
    "TCNAutoencoderDetector",
    "TranADDetector",
    "TransformerDetector",
    "TwoStageDetector",
    "VAEDetector",
    "WindowAutoencoderDetector",
    "WindowDiscordDetector",
    "WindowIsolationForestDetector",
    "WindowPCADetector",
    "WindowZScoreDetector",
    "ZScoreDetector",
    "cusum_changepoint",
    "mean_shift_changepoints",
    "rolling_zscore",
    "window_features",
]
