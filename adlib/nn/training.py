"""The one training loop every neural model in the notebooks uses (introduced in notebook 03).

``fit`` trains any ``torch.nn.Module`` with a loss you pass as a function of (model,
batch), so the same loop serves autoencoders (batch = (x,)), VAEs (loss = −ELBO) and
classifiers (batch = (x, y)). Adversarial models (notebook 05) name their *players*: the loss
function then returns one loss per player, and each player's optimiser steps on its own
loss. The loop moves data to the device, uses bf16 autocast on CUDA, stops early when the
validation loss stops improving, restores the best weights and shows a tqdm progress bar
(in a live session) or prints one line per fit (when ``$ADLIB_PROGRESS`` is ``summary``, as
``make run`` and ``make test`` set it, so that committed notebooks hold plain text and no
widget state). On the CPU, at a fixed seed and thread count, two runs give bit-identical weights and
history.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn
from torch.utils.data import TensorDataset
from tqdm.auto import tqdm

from adlib._validation import check_int, check_real

LossFn = Callable[[nn.Module, tuple[torch.Tensor, ...]], "torch.Tensor | dict[str, torch.Tensor]"]


@dataclass
class History:
    """Per-epoch mean losses, the epoch whose weights were kept, and the wall time (s).

    ``train_loss``/``val_loss`` follow the monitored loss (the only one for a single-player
    model); ``train_losses``/``val_losses`` hold every named loss a multi-player loss function
    returns, e.g. ``{"generator": [...], "discriminator": [...]}``.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_losses: dict[str, list[float]] = field(default_factory=dict)
    val_losses: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = -1
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def best_val_loss(self) -> float:
        """Validation loss of the kept weights."""
        return self.val_loss[self.best_epoch]


#: The training hyperparameters every adlib neural estimator stores under these names.
ESTIMATOR_TRAINING_PARAMS = ("epochs", "batch_size", "lr", "weight_decay", "patience", "progress")


def draw_seed(random_state: object) -> int:
    """One seed in [0, 2**31 - 1] from a scikit-learn ``random_state`` (None, int, RandomState)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def fit_estimator(
    estimator: object,
    build: Callable[[], nn.Module],
    loss_fn: LossFn,
    train: object,
    val: object,
    *,
    seed: int,
    device: torch.device,
    desc: str,
    options: Callable[[nn.Module], dict] | None = None,
) -> tuple[nn.Module, History]:
    """Build and train the model of a scikit-learn-style estimator; returns (model, history).

    ``build()`` and the training run inside a torch RNG forked and seeded by ``seed``, so the
    initial weights and every random draw come from ``seed`` alone and the caller's random
    state is untouched. The hyperparameters named in :data:`ESTIMATOR_TRAINING_PARAMS` are
    read from the estimator; ``options(model)`` may add keyword arguments for :func:`fit`
    (players and monitor, for adversarial models).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build()
        history = fit(
            model,
            loss_fn,
            train,
            val,
            seed=seed,
            device=device,
            desc=desc,
            **{name: getattr(estimator, name) for name in ESTIMATOR_TRAINING_PARAMS},
            **(options(model) if options else {}),
        )
    return model, history


def tensor_batches(
    array: np.ndarray, batch_size: int, device: torch.device
) -> Iterator[torch.Tensor]:
    """Consecutive chunks of at most ``batch_size`` rows of ``array`` as tensors on ``device``."""
    for start in range(0, len(array), batch_size):
        yield torch.from_numpy(array[start : start + batch_size]).to(device)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → the CUDA GPU when there is one, else the CPU; other values pass through."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device in ("cpu", "cuda"):
        if device == "cuda" and not torch.cuda.is_available():
            raise ValueError("device='cuda' but torch sees no CUDA GPU; use device='auto'.")
        return torch.device(device)
    raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or a torch.device, got {device!r}.")


def as_dataset(data: object, name: str) -> TensorDataset:
    """Tensors (or arrays) → a TensorDataset of float32 features (labels keep their dtype)."""
    if isinstance(data, TensorDataset):
        return data
    parts = data if isinstance(data, (tuple, list)) else (data,)
    tensors = []
    for i, part in enumerate(parts):
        tensor = torch.as_tensor(np.asarray(part) if not torch.is_tensor(part) else part)
        if tensor.is_floating_point():
            tensor = tensor.float()
            if not torch.isfinite(tensor).all():
                raise ValueError(f"{name}[{i}] contains NaN or inf; clean the data first.")
        tensors.append(tensor)
    if not tensors or tensors[0].shape[0] == 0:
        raise ValueError(f"{name} is empty; pass at least one sample.")
    if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
        raise ValueError(f"the tensors in {name} have different numbers of rows.")
    return TensorDataset(*tensors)


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    train: object,
    val: object,
    *,
    epochs: int = 50,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    patience: int = 5,
    min_delta: float = 0.0,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = True,
    desc: str = "training",
    players: dict[str, nn.Module] | None = None,
    monitor: str | None = None,
) -> History:
    """Train ``model`` in place with Adam and early stopping; returns its :class:`History`.

    ``train`` and ``val`` are a tensor/array, a tuple of them (e.g. (x, y)) or a
    TensorDataset; rows are samples. ``loss_fn(model, batch)`` returns the mean loss of a
    batch (a tuple of tensors already on the device). Training stops after ``patience``
    epochs without the validation loss improving by more than ``min_delta``, and the
    weights of the best epoch are restored. Shuffling uses its own generator seeded by
    ``seed``, so the global random state does not change the batch order.

    ``players`` (for adversarial training) maps a loss name to the sub-module it trains, e.g.
    ``{"discriminator": model.discriminator, "generator": model.generator}``. ``loss_fn`` then
    returns a dict with (at least) those names; each player gets its own Adam optimiser and,
    on every batch, the gradient of its own loss only (all players step on the same forward
    pass). Extra keys in the dict are logged, not optimised. ``monitor`` names the loss whose
    validation value drives early stopping (default: the first player).
    """
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    patience = check_int(patience, "patience", low=1)
    seed = check_int(seed, "seed", low=0)
    lr = check_real(lr, "lr", low=0.0, inclusive=False)
    weight_decay = check_real(weight_decay, "weight_decay", low=0.0)
    min_delta = check_real(min_delta, "min_delta", low=0.0)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    device = resolve_device(device)
    players, monitor = _check_players(model, players, monitor)
    train_set, val_set = as_dataset(train, "train"), as_dataset(val, "val")

    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    optimizers = {
        name: torch.optim.Adam(module.parameters(), lr=lr, weight_decay=weight_decay)
        for name, module in players.items()
    }

    history = History()
    best_state, best_loss, waited = None, float("inf"), 0
    start = time.perf_counter()
    summary = progress_mode() == "summary"
    bar = tqdm(range(epochs), desc=desc, disable=not progress or summary, leave=True)
    for epoch in bar:
        model.train()
        train_batches = batches(train_set, batch_size, generator)
        train_means = _run_epoch(model, loss_fn, train_batches, device, optimizers, epoch)
        model.eval()
        with torch.no_grad():
            val_batches = batches(val_set, max(batch_size, 1024))
            val_means = _run_epoch(model, loss_fn, val_batches, device, None, epoch)
        if monitor not in train_means:
            raise ValueError(
                f"monitor={monitor!r} is not among the losses loss_fn returns: {list(train_means)}."
            )
        for name in train_means:
            history.train_losses.setdefault(name, []).append(train_means[name])
            history.val_losses.setdefault(name, []).append(val_means[name])
        history.train_loss.append(train_means[monitor])
        history.val_loss.append(val_means[monitor])
        bar.set_postfix(train=f"{history.train_loss[-1]:.4g}", val=f"{history.val_loss[-1]:.4g}")
        if history.val_loss[-1] < best_loss - min_delta:
            best_loss, waited, history.best_epoch = history.val_loss[-1], 0, epoch
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= patience:
                history.stopped_early = True
                break
    bar.close()
    if progress and summary:
        stopped = ", stopped early" if history.stopped_early else ""
        print(
            f"{desc}: {len(history.val_loss)} of {epochs} epochs{stopped}; kept epoch "
            f"{history.best_epoch}, validation loss {history.best_val_loss:.4g}"
        )
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - start
    return history


def progress_mode() -> str:
    """How ``fit`` reports progress: ``"bar"`` (a live tqdm bar) or ``"summary"`` (one line).

    Read from ``$ADLIB_PROGRESS`` (default ``"bar"``). A live bar in a notebook is an
    ipywidget, whose stored state renders blank on the web; ``make run`` and ``make test``
    therefore ask for the one-line summary.
    """
    mode = os.environ.get("ADLIB_PROGRESS", "bar")
    if mode not in ("bar", "summary"):
        raise ValueError(f"ADLIB_PROGRESS must be 'bar' or 'summary', got {mode!r}.")
    return mode


def _check_players(
    model: nn.Module, players: dict[str, nn.Module] | None, monitor: str | None
) -> tuple[dict[str, nn.Module], str]:
    """The players to optimise (the whole model under the name "loss" by default), checked."""
    if players is None:
        if monitor not in (None, "loss"):
            raise ValueError(f"monitor={monitor!r} needs players; a single loss is called 'loss'.")
        return {"loss": model}, "loss"
    if not isinstance(players, dict) or not players:
        raise TypeError("players must be a non-empty dict mapping a loss name to a sub-module.")
    for name, module in players.items():
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"players[{name!r}] must be a torch.nn.Module, got {type(module).__name__}."
            )
    monitor = next(iter(players)) if monitor is None else monitor
    return players, monitor


def batches(
    dataset: TensorDataset, batch_size: int, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, ...]]:
    """One epoch of mini-batches of ``dataset``: in order, or shuffled by ``generator``.

    The same batches, in the same order, as ``DataLoader(dataset, batch_size, shuffle=True,
    generator=generator)`` (``shuffle=False`` without a generator), but sliced from the
    tensors at once instead of gathered row by row, which costs a quarter of the training
    time of a small network. An epoch draws the random numbers a DataLoader epoch draws (a
    base seed for its workers, from ``generator`` or else from torch's global generator,
    which also feeds dropout and the noise of the denoising AE and the VAE; when shuffling,
    two permutations of which its ``RandomSampler`` uses the first), so both random streams,
    and every trained number, are the DataLoader's; a test checks it batch for batch.
    """
    n = len(dataset)
    order = None
    torch.empty((), dtype=torch.int64).random_(generator=generator)
    if generator is not None:
        order = torch.randperm(n, generator=generator)
        torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        rows = (
            slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        )
        yield tuple(tensor[rows] for tensor in dataset.tensors)


def _run_epoch(
    model: nn.Module,
    loss_fn: LossFn,
    loader: Iterable[tuple[torch.Tensor, ...]],
    device: torch.device,
    optimizers: dict[str, torch.optim.Optimizer] | None,
    epoch: int,
) -> dict[str, float]:
    """Mean of each named loss over one pass of ``loader``; a step per player when training."""
    totals: dict[str, float] = {}
    count = 0
    for batch in loader:
        batch = tuple(t.to(device, non_blocking=True) for t in batch)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            losses = loss_fn(model, batch)
        if not isinstance(losses, dict):
            losses = {"loss": losses}
        for name, loss in losses.items():
            if not torch.isfinite(loss):
                label = name if name == "loss" else f"{name} loss"
                raise FloatingPointError(
                    f"the {label} became {loss.item()} in epoch {epoch}; lower the learning rate "
                    "or check the data scale."
                )
        if optimizers is not None:
            _step(model, losses, optimizers)
        n = batch[0].shape[0]
        for name, loss in losses.items():
            totals[name] = totals.get(name, 0.0) + float(loss.detach()) * n
        count += n
    return {name: total / count for name, total in totals.items()}


def _step(
    model: nn.Module, losses: dict[str, torch.Tensor], optimizers: dict[str, torch.optim.Optimizer]
) -> None:
    """One gradient step per player, each on the gradient of its own loss only.

    All gradients are taken before any weight changes (a simultaneous update), so that every
    player's gradient is computed on the same forward pass.
    """
    missing = set(optimizers) - set(losses)
    if missing:
        raise KeyError(f"loss_fn returned no loss for the players {sorted(missing)}.")
    names = list(optimizers)
    gradients = {}
    for i, name in enumerate(names):
        params = [p for group in optimizers[name].param_groups for p in group["params"]]
        gradients[name] = torch.autograd.grad(
            losses[name], params, retain_graph=i < len(names) - 1, allow_unused=True
        )
    for name in names:
        optimizer = optimizers[name]
        params = [p for group in optimizer.param_groups for p in group["params"]]
        for param, grad in zip(params, gradients[name], strict=True):
            param.grad = grad
        optimizer.step()
