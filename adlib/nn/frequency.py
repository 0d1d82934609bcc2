"""F-SE-LSTM: a frequency matrix, a squeeze-excitation block and an LSTM (notebook 08).

Lu, Jin, Chen, Liu and Geng (2024), "F-SE-LSTM: A Time Series Anomaly Detection Method with
Frequency Domain Information" (arXiv 2412.02474), classify a window of a series from its
*frequency matrix*: a second sliding window cuts the window of N steps into H sub-windows
("periods") of T steps, and the magnitudes of each sub-window's FFT form one row, so the
matrix has H rows (time) and T // 2 + 1 columns (frequency bins). A squeeze-excitation block
(Hu et al., 2018) re-weights the frequency bins, an LSTM reads the rows in time order, and a
small dense head gives one logit. The paper uses N = 60 and T = 30 on Yahoo S5 and NAB;
the sources of this walk list it in 002 §5.3. :func:`period_matrix` keeps the sub-windows in
the time domain, the representation the paper compares the frequency matrix against.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from adlib._validation import check_int
from adlib.detectors.sequence import as_windows
from adlib.nn.classifier import set_forget_bias


def period_matrix(windows: object, sub_length: int, step: int | None = None) -> np.ndarray:
    """Sub-windows of each window as rows: shape (n_windows, n_periods, n_channels × sub_length).

    ``windows`` is (n_windows, window) or (n_windows, window, n_channels), e.g. from
    :func:`adlib.data.sliding_windows`. Row ``h`` of a window holds its steps
    ``h*step`` to ``h*step + sub_length - 1``, channel after channel; ``step`` defaults to
    ``sub_length`` (periods side by side), and n_periods = (window - sub_length) // step + 1.
    """
    view = _sub_windows(windows, sub_length, step)
    return np.ascontiguousarray(view.reshape(view.shape[0], view.shape[1], -1))


def frequency_matrix(windows: object, sub_length: int, step: int | None = None) -> np.ndarray:
    """FFT magnitudes of each sub-window: shape (n_windows, n_periods, n_channels × n_freq).

    The F-SE-LSTM input (Lu et al., 2024): for each sub-window of :func:`period_matrix`,
    ``|numpy.fft.rfft|`` of its ``sub_length`` values per channel, n_freq = sub_length // 2
    + 1 bins from 0 (the sub-window's sum) to the Nyquist frequency, in the units of the
    series. With several channels the bins of channel 0 come first, then channel 1's.
    """
    spectra = np.abs(np.fft.rfft(_sub_windows(windows, sub_length, step), axis=-1))
    return np.ascontiguousarray(spectra.reshape(spectra.shape[0], spectra.shape[1], -1))


def _sub_windows(windows: object, sub_length: object, step: object) -> np.ndarray:
    """Validated sub-windows as a view of shape (n_windows, n_periods, n_channels, sub_length)."""
    X = as_windows(windows, "windows")
    sub_length = check_int(sub_length, "sub_length", low=2)
    if sub_length > X.shape[1]:
        raise ValueError(
            f"sub_length={sub_length} is longer than the windows ({X.shape[1]} steps); use a "
            "sub-window at most as long as the window."
        )
    step = sub_length if step is None else check_int(step, "step", low=1)
    return np.lib.stride_tricks.sliding_window_view(X, sub_length, axis=1)[:, ::step]


class SqueezeExcitation(nn.Module):
    """Squeeze-excitation over the features (frequency bins) of a (batch, periods, features) input.

    Squeeze: z = the mean of each feature over the periods, (batch, features). Excitation:
    w = sigmoid(W2 ReLU(W1 z + b1) + b2) with a bottleneck of ``max(1, n_features //
    reduction)`` units, one weight in (0, 1) per feature and window. The output is the input
    with each feature multiplied by its weight, so the block can damp frequency bins that
    carry noise and keep those that carry the anomaly, differently for each window.
    """

    def __init__(self, n_features: int, reduction: int = 4) -> None:
        super().__init__()
        bottleneck = max(1, n_features // reduction)
        self.excite = nn.Sequential(
            nn.Linear(n_features, bottleneck),
            nn.ReLU(),
            nn.Linear(bottleneck, n_features),
            nn.Sigmoid(),
        )

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The weight of each feature for each window, shape (batch, features), in (0, 1)."""
        return self.excite(x.mean(dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weights(x).unsqueeze(1)


class FSELSTM(nn.Module):
    """Squeeze-excitation over frequency bins, an LSTM across periods, a dense head → one logit.

    Input (batch, n_periods, n_features), e.g. a standardised :func:`frequency_matrix`;
    output (batch,) logits. The head reads the LSTM's last hidden state through one hidden
    ReLU layer of ``hidden`` units (the paper's "DNN"). ``forget_bias`` as in
    :class:`adlib.nn.classifier.RecurrentClassifier`.
    """

    def __init__(
        self,
        n_features: int,
        hidden: int = 32,
        reduction: int = 4,
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        self.se = SqueezeExcitation(n_features, reduction)
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        if forget_bias is not None:
            set_forget_bias(self.lstm, float(forget_bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (state, _) = self.lstm(self.se(x))
        return self.head(state[-1]).squeeze(-1)
