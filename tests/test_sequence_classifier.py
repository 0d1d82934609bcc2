"""SequenceClassifier (notebook 08) and the transaction encodings it and its baselines use."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from adlib.classifiers import SequenceClassifier
from adlib.data import aggregate_transactions, encode_transactions, simulate_transactions
from adlib.data.simulators.transactions import N_CATEGORIES
from adlib.nn.classifier import RecurrentClassifier

FAST = {"epochs": 3, "batch_size": 64, "device": "cpu", "random_state": 0}


@pytest.fixture(scope="module")
def toy():
    """Sequences whose label is whether a marker appeared 3 steps before the end."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8, 2))
    y = (rng.random(600) < 0.3).astype(np.int64)
    X[:, 4, 1] = np.where(y == 1, 3.0, -3.0) + rng.normal(0, 0.3, 600)
    return X, y


@pytest.fixture(scope="module")
def transactions():
    log = simulate_transactions(n_customers=60, fraud_fraction=0.2, seed=1)
    X, y, _ = log.sequences(6)
    return X, y


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_classifier_learns_a_marker_and_follows_the_sklearn_contract(toy, cell):
    X, y = toy
    model = SequenceClassifier(cell=cell, lr=1e-2, **FAST).fit(X[:400], y[:400])
    proba = model.predict_proba(X[400:])
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y[400:], proba[:, 1]) > 0.95
    np.testing.assert_array_equal(model.predict(X[400:]), (proba[:, 1] > 0.5).astype(int))
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert clone(model).get_params() == model.get_params()


def test_refit_with_the_same_seed_is_bit_identical_and_leaves_global_rng_alone(toy):
    X, y = toy
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first = SequenceClassifier(**FAST).fit(X, y).decision_function(X)
    assert torch.equal(torch.random.get_rng_state(), before)
    again = SequenceClassifier(**FAST).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(first, again)
    other = SequenceClassifier(**{**FAST, "random_state": 1}).fit(X, y).decision_function(X)
    assert not np.array_equal(first, other)


def test_pos_weight_options(toy):
    X, y = toy
    n_train = len(y) - round(0.2 * len(y))
    balanced = SequenceClassifier(**FAST).fit(X, y)
    expected = (y[:n_train] == 0).sum() / (y[:n_train] == 1).sum()
    assert balanced.pos_weight_ == pytest.approx(expected)
    assert SequenceClassifier(pos_weight=None, **FAST).fit(X, y).pos_weight_ == 1.0
    assert SequenceClassifier(pos_weight=4, **FAST).fit(X, y).pos_weight_ == 4.0


def test_the_logit_reads_the_last_hidden_state_so_order_matters():
    torch.manual_seed(0)
    model = RecurrentClassifier(n_features=1, hidden=8, cell="lstm")
    x = torch.tensor([[[100.0], [10.0], [5.0]], [[5.0], [10.0], [100.0]]])
    logits = model(x)
    assert logits.shape == (2,)
    assert not torch.isclose(logits[0], logits[1])


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"cell": "transformer"}, ValueError, r"cell must be one of \['gru', 'lstm', 'rnn'\]"),
        ({"hidden": 0}, ValueError, "hidden"),
        ({"pos_weight": "auto"}, ValueError, "pos_weight must be 'balanced'"),
        ({"pos_weight": -1.0}, ValueError, "pos_weight"),
        ({"pos_weight": [2.0]}, TypeError, "pos_weight"),
        ({"val_fraction": 0.7}, ValueError, "val_fraction"),
    ],
)
def test_bad_parameters_are_rejected(toy, params, error, match):
    X, y = toy
    with pytest.raises(error, match=match):
        SequenceClassifier(**{**FAST, **params}).fit(X, y)


def test_bad_input_is_rejected(toy):
    X, y = toy
    with pytest.raises(ValueError, match="not fitted yet"):
        SequenceClassifier().predict_proba(X)
    with pytest.raises(ValueError, match="NaN"):
        SequenceClassifier(**FAST).fit(
            np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y
        )
    with pytest.raises(ValueError, match="labels but there are"):
        SequenceClassifier(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="only 0"):
        SequenceClassifier(**FAST).fit(X, y * 2)
    with pytest.raises(ValueError, match=r"training part .* holds only class 0"):
        SequenceClassifier(**FAST).fit(X, np.zeros_like(y))
    model = SequenceClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 2"):
        model.predict_proba(X[:, :, :1])


def test_encoding_keeps_order_and_one_hot_categories(transactions):
    X, _ = transactions
    encoded = encode_transactions(X)
    assert encoded.shape == (*X.shape[:2], 4 + N_CATEGORIES) and encoded.dtype == np.float32
    np.testing.assert_allclose(encoded[:, :, 0], np.log1p(X[:, :, 0]), rtol=1e-6)
    np.testing.assert_array_equal(encoded[:, :, 4:].argmax(axis=2), X[:, :, 2])
    np.testing.assert_array_equal(encoded[:, :, 4:].sum(axis=2), 1.0)
    reversed_encoding = encode_transactions(X[:, ::-1])
    np.testing.assert_array_equal(reversed_encoding, encoded[:, ::-1])


def test_aggregates_ignore_order_and_count_what_they_say(transactions):
    X, _ = transactions
    table = aggregate_transactions(X)
    assert len(table) == len(X) and np.isfinite(table.to_numpy()).all()
    shuffled = X[:, np.random.default_rng(0).permutation(X.shape[1])]
    np.testing.assert_allclose(aggregate_transactions(shuffled), table)
    np.testing.assert_array_equal(table["n_device_changes"], X[:, :, 4].sum(axis=1))
    np.testing.assert_allclose(table["amount_max"], np.log1p(X[:, :, 0].max(axis=1)))


def test_encodings_reject_other_inputs(transactions):
    X, _ = transactions
    with pytest.raises(ValueError, match="transaction features"):
        encode_transactions(X[:, :, :4])
    bad = X.copy()
    bad[0, 0, 2] = 8
    with pytest.raises(ValueError, match="category codes"):
        aggregate_transactions(bad)
    bad = X.copy()
    bad[0, 0, 0] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        encode_transactions(bad)


def test_forget_bias_sets_the_lstm_forget_gate_and_is_rejected_for_other_cells(toy):
    model = RecurrentClassifier(n_features=2, hidden=4, cell="lstm", forget_bias=1.0)
    for name, bias in model.rnn.named_parameters():
        if name.startswith("bias_"):
            expected = 1.0 if name.startswith("bias_ih") else 0.0
            assert torch.all(bias[4:8] == expected)
    default = RecurrentClassifier(n_features=2, hidden=4, cell="lstm")
    assert not torch.all(default.rnn.bias_ih_l0[4:8] == 1.0)
    X, y = toy
    fitted = SequenceClassifier(forget_bias=1.0, **FAST).fit(X, y)
    assert clone(fitted).get_params()["forget_bias"] == 1.0
    with pytest.raises(ValueError, match="forget_bias applies to the LSTM only"):
        SequenceClassifier(cell="gru", forget_bias=1.0, **FAST).fit(X, y)
