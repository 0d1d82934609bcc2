"""adlib.nn.fit: reproducibility, early stopping with best-weight restore, input checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import adlib
from adlib.detectors import AutoencoderDetector, LSTMAutoencoderDetector
from adlib.nn import History, as_dataset, fit, resolve_device
from adlib.nn.training import batches


def mse_reconstruction(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    (x,) = batch
    return ((model(x) - x) ** 2).mean()


def mse_regression(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    x, y = batch
    return ((model(x) - y) ** 2).mean()


def tiny_autoencoder() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 3), nn.Tanh(), nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 6))


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(256, 2))
    X = (latent @ rng.normal(size=(2, 6)) + 0.1 * rng.normal(size=(256, 6))).astype(np.float32)
    return X[:192], X[192:]


@pytest.fixture(autouse=True)
def _one_thread():
    adlib.setup(0, threads=1, verbose=False)


def _train(data, **kwargs) -> tuple[nn.Module, History]:
    adlib.setup(0, verbose=False)
    model = tiny_autoencoder()
    options = {"epochs": 8, "batch_size": 32, "lr": 1e-2, "device": "cpu", "progress": False}
    options.update(kwargs)
    history = fit(model, mse_reconstruction, data[0], data[1], **options)
    return model, history


def _val_loss(model: nn.Module, X_val: np.ndarray) -> float:
    with torch.no_grad():
        return float(mse_reconstruction(model, (torch.as_tensor(X_val),)))


def test_two_runs_with_the_same_seed_are_bit_identical(data):
    model_a, history_a = _train(data)
    model_b, history_b = _train(data)
    assert history_a.train_loss == history_b.train_loss
    assert history_a.val_loss == history_b.val_loss
    assert history_a.best_epoch == history_b.best_epoch
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[key], state_b[key]) for key in state_a)


def test_training_seed_changes_the_batch_order(data):
    _, history_a = _train(data, seed=0)
    _, history_b = _train(data, seed=1)
    assert history_a.train_loss != history_b.train_loss


def test_history_records_every_epoch_and_training_helps(data):
    model, history = _train(data, epochs=8)
    assert len(history.train_loss) == len(history.val_loss) == 8
    assert not history.stopped_early
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert history.best_val_loss == min(history.val_loss)
    assert history.seconds > 0
    assert not model.training  # left in eval mode
    # the kept weights are the best epoch's
    assert _val_loss(model, data[1]) == pytest.approx(min(history.val_loss), rel=1e-6)


def test_early_stopping_restores_the_best_weights():
    # Train towards y = 3x while validating against y = x from a model that starts at y = x:
    # every epoch moves the weight away from the validation optimum, so the validation loss
    # only grows, training stops after `patience` epochs and epoch 0's weights come back.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 1)).astype(np.float32)
    x_val = rng.normal(size=(32, 1)).astype(np.float32)
    adlib.setup(0, verbose=False)
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    history = fit(
        model,
        mse_regression,
        (x, 3 * x),
        (x_val, x_val),
        epochs=50,
        batch_size=16,
        lr=0.05,
        patience=3,
        device="cpu",
        progress=False,
    )
    assert history.stopped_early
    assert len(history.val_loss) == 1 + 3
    assert history.best_epoch == 0
    assert all(np.diff(history.val_loss) > 0)
    with torch.no_grad():
        restored = float(mse_regression(model, (torch.as_tensor(x_val), torch.as_tensor(x_val))))
    assert restored == pytest.approx(min(history.val_loss), rel=1e-6)
    assert restored == pytest.approx(history.best_val_loss, rel=1e-6)
    assert 1.0 < model.weight.item() < 3.0


def test_min_delta_counts_small_improvements_as_none(data):
    _, history = _train(data, epochs=30, patience=2, min_delta=1e6)
    assert history.stopped_early
    assert history.best_epoch == 0
    assert len(history.val_loss) == 3


def test_progress_bar_on_and_off(data, capsys, monkeypatch):
    monkeypatch.setenv("ADLIB_PROGRESS", "bar")  # make run and make test ask for the summary
    _train(data, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    _train(data, epochs=2, progress=True, desc="tiny-ae")
    assert "tiny-ae" in capsys.readouterr().err


def test_accepts_tensors_and_tensor_datasets(data):
    X_train, X_val = data
    adlib.setup(0, verbose=False)
    model = tiny_autoencoder()
    history = fit(
        model,
        mse_reconstruction,
        TensorDataset(torch.as_tensor(X_train)),
        torch.as_tensor(X_val),
        epochs=2,
        device=torch.device("cpu"),
        progress=False,
    )
    assert len(history.val_loss) == 2
    assert all(np.isfinite(history.train_loss))


def test_as_dataset_converts_to_float32_and_keeps_label_dtype():
    x = np.arange(6, dtype=np.float64).reshape(3, 2)
    y = np.array([0, 1, 0])
    dataset = as_dataset((x, y), "train")
    features, labels = dataset.tensors
    assert features.dtype == torch.float32
    assert labels.dtype == torch.int64
    assert len(dataset) == 3
    same = TensorDataset(torch.zeros(2, 1))
    assert as_dataset(same, "train") is same


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    with pytest.raises(ValueError, match="device must be 'auto', 'cpu', 'cuda'"):
        resolve_device("gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
            resolve_device("cuda")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"epochs must be in \[1"),
        ({"epochs": 2.0}, TypeError, "epochs must be an integer"),
        ({"lr": 0.0}, ValueError, r"lr must be in \(0.0, inf\)"),
        ({"lr": -1e-3}, ValueError, r"lr must be in \(0.0, inf\)"),
        ({"lr": float("nan")}, ValueError, "lr must be finite"),
        ({"batch_size": 0}, ValueError, r"batch_size must be in \[1"),
        ({"patience": 0}, ValueError, r"patience must be in \[1"),
        ({"seed": -1}, ValueError, r"seed must be in \[0"),
        ({"weight_decay": -0.1}, ValueError, r"weight_decay must be in \[0.0"),
        ({"min_delta": -1.0}, ValueError, r"min_delta must be in \[0.0"),
        ({"device": "tpu"}, ValueError, "device must be 'auto', 'cpu', 'cuda'"),
    ],
)
def test_rejects_bad_parameters(data, kwargs, error, match):
    options = {"epochs": 1, "device": "cpu", "progress": False}
    options.update(kwargs)
    with pytest.raises(error, match=match):
        fit(tiny_autoencoder(), mse_reconstruction, data[0], data[1], **options)


def test_rejects_a_model_that_is_not_a_module(data):
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module, got function"):
        fit(lambda x: x, mse_reconstruction, data[0], data[1], epochs=1, progress=False)


def test_rejects_bad_data(data):
    X_train, X_val = data
    bad = X_train.copy()
    bad[5, 2] = np.nan
    options = {"epochs": 1, "device": "cpu", "progress": False}
    with pytest.raises(ValueError, match=r"train\[0\] contains NaN or inf"):
        fit(tiny_autoencoder(), mse_reconstruction, bad, X_val, **options)
    bad[5, 2] = np.inf
    with pytest.raises(ValueError, match=r"val\[0\] contains NaN or inf"):
        fit(tiny_autoencoder(), mse_reconstruction, X_train, bad, **options)
    with pytest.raises(ValueError, match="train is empty"):
        fit(tiny_autoencoder(), mse_reconstruction, X_train[:0], X_val, **options)
    with pytest.raises(ValueError, match="the tensors in train have different numbers of rows"):
        fit(tiny_autoencoder(), mse_regression, (X_train, X_train[:-1]), X_val, **options)


def test_diverging_loss_is_reported(data):
    def explode(model, batch):
        return mse_reconstruction(model, batch) * float("inf")

    with pytest.raises(
        FloatingPointError, match="the loss became inf in epoch 0; lower the learning rate"
    ):
        fit(tiny_autoencoder(), explode, data[0], data[1], epochs=1, device="cpu", progress=False)


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="no CUDA GPU: the CUDA branch (bf16 autocast, tensors on the GPU) runs on GPU machines",
)
def test_training_on_cuda_runs_under_bf16_autocast(monkeypatch):
    dtypes = []
    original = torch.autocast

    def recording_autocast(device_type, *args, **kwargs):
        if kwargs.get("enabled", True):
            dtypes.append((device_type, kwargs.get("dtype")))
        return original(device_type, *args, **kwargs)

    monkeypatch.setattr(torch, "autocast", recording_autocast)
    rng = np.random.default_rng(0)
    rows = AutoencoderDetector(epochs=2, random_state=0, device="auto").fit(
        rng.normal(size=(256, 6))
    )
    windows = rng.normal(size=(128, 16, 2))
    lstm = LSTMAutoencoderDetector(epochs=2, random_state=0, device="cuda").fit(windows)
    assert ("cuda", torch.bfloat16) in dtypes
    for detector in (rows, lstm):
        assert next(detector.model_.parameters()).device.type == "cuda"
    assert np.isfinite(rows.score_samples(rng.normal(size=(32, 6)))).all()
    assert np.isfinite(lstm.score_samples(windows[:8])).all()


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (64, 64), (65, 16), (1, 4)])
def test_batches_match_a_shuffling_dataloader_epoch_after_epoch(n, batch_size):
    dataset = TensorDataset(torch.randn(n, 3), torch.arange(n))
    ours, theirs = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=theirs)
    for _ in range(3):
        expected = list(loader)
        got = list(batches(dataset, batch_size, ours))
        assert len(got) == len(expected)
        for mine, reference in zip(got, expected, strict=True):
            assert all(torch.equal(a, b) for a, b in zip(mine, reference, strict=True))
    assert torch.equal(ours.get_state(), theirs.get_state())


@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_leave_the_global_generator_where_a_dataloader_leaves_it(shuffle):
    dataset = TensorDataset(torch.randn(9, 2))
    streams = []
    for make in (
        lambda g: DataLoader(dataset, batch_size=4, shuffle=shuffle, generator=g),
        lambda g: batches(dataset, 4, g),
    ):
        torch.manual_seed(3)
        list(make(torch.Generator().manual_seed(5) if shuffle else None))
        streams.append(torch.get_rng_state())
    assert torch.equal(*streams)


def test_batches_without_a_generator_keep_the_order():
    dataset = TensorDataset(torch.arange(7.0)[:, None])
    assert [b[0].flatten().tolist() for b in batches(dataset, 3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_summary_progress_prints_one_plain_line_per_fit(monkeypatch, capsys):
    monkeypatch.setenv("ADLIB_PROGRESS", "summary")
    x = torch.randn(64, 3)
    history = fit(nn.Linear(3, 3), lambda m, b: ((m(b[0]) - b[0]) ** 2).mean(), x, x, epochs=3)
    out = capsys.readouterr()
    assert out.out == (
        f"training: 3 of 3 epochs; kept epoch {history.best_epoch}, "
        f"validation loss {history.best_val_loss:.4g}\n"
    )
    assert out.err == ""  # no bar


def test_an_unknown_progress_mode_is_refused(monkeypatch):
    monkeypatch.setenv("ADLIB_PROGRESS", "widgets")
    x = torch.randn(8, 2)
    with pytest.raises(ValueError, match="ADLIB_PROGRESS must be 'bar' or 'summary'"):
        fit(nn.Linear(2, 2), lambda m, b: m(b[0]).pow(2).mean(), x, x, epochs=1)
