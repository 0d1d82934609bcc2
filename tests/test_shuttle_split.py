"""adlib.data.shuttle_split: the seeded, capped shuttle novelty split of notebooks 04 and 05."""

from __future__ import annotations

import numpy as np
import pytest

from adlib import data


@pytest.fixture(scope="module")
def shuttle():
    return data.load_shuttle()


def test_shuttle_split_is_novelty_split_then_subsample(shuttle):
    split = data.shuttle_split(3, train_cap=500, shuttle=shuttle)
    full = data.novelty_split(shuttle.X, shuttle.y, seed=3)
    reference = data.subsample_train(full, 500, seed=3)
    for part in ("train_idx", "val_idx", "test_idx", "X_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(split, part), getattr(reference, part))
    assert len(split.train_idx) == 500 and split.y_train.sum() == 0
    np.testing.assert_array_equal(split.test_idx, full.test_idx)


def test_shuttle_split_loads_the_file_by_default_and_is_deterministic(shuttle):
    a = data.shuttle_split(0)
    b = data.shuttle_split(0, shuttle=shuttle)
    c = data.shuttle_split(1, shuttle=shuttle)
    np.testing.assert_array_equal(a.train_idx, b.train_idx)
    assert len(a.train_idx) == 3000
    assert not np.array_equal(a.test_idx, c.test_idx)


def test_shuttle_split_parts_are_disjoint_and_leak_free(shuttle):
    split = data.shuttle_split(0, train_cap=1000, shuttle=shuttle)
    parts = [set(split.train_idx), set(split.val_idx), set(split.test_idx)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert split.y_val.sum() + split.y_test.sum() == shuttle.y.sum()


def test_a_cap_above_the_training_rows_keeps_them_all(shuttle):
    split = data.shuttle_split(0, train_cap=10**6, shuttle=shuttle)
    full = data.novelty_split(shuttle.X, shuttle.y, seed=0)
    np.testing.assert_array_equal(split.train_idx, full.train_idx)


def test_shuttle_split_rejects_bad_input(shuttle):
    with pytest.raises(TypeError, match="seed"):
        data.shuttle_split(0.5, shuttle=shuttle)
    with pytest.raises(ValueError, match="seed"):
        data.shuttle_split(-1, shuttle=shuttle)
    with pytest.raises(ValueError, match="train_cap"):
        data.shuttle_split(0, train_cap=0, shuttle=shuttle)
    with pytest.raises(TypeError, match="Dataset"):
        data.shuttle_split(0, shuttle=(shuttle.X, shuttle.y))
    with pytest.raises(ValueError, match="shuttle dataset"):
        data.shuttle_split(0, shuttle=data.make_wbc())
