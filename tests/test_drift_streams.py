"""adlib.data.drifting_stream (notebook 12) and noisy_sine_segments (notebook 11)."""

from __future__ import annotations

import numpy as np
import pytest

from adlib.data import DRIFT_KINDS, drifting_stream, noisy_sine_segments

# --- drifting_stream ---------------------------------------------------------------------------


def reference_stream(kind, rng, length=4000, start=2000, transition=1000, shift=1.5):
    """The loop notebook 12 used before the simulator moved into adlib, value by value."""
    values, expected = np.empty(length), np.empty(length)
    mix = rng.random(length) if kind == "gradual" else None
    noise = rng.normal(size=length)
    for t in range(length):
        progress = min(max((t - start) / transition, 0.0), 1.0)
        if kind == "sudden":
            mean = expected[t] = shift if t >= start else 0.0
        elif kind == "gradual":
            mean, expected[t] = (shift if mix[t] < progress else 0.0), shift * progress
        elif kind == "incremental":
            mean = expected[t] = shift * progress
        else:
            on = t >= start and (t - start) // 500 % 2 == 0
            mean = expected[t] = shift if on else 0.0
        values[t] = mean + noise[t]
    return values, expected


@pytest.mark.parametrize("kind", DRIFT_KINDS)
def test_stream_matches_the_reference_loop(kind):
    values, expected = drifting_stream(kind, np.random.default_rng(3))
    ref_values, ref_expected = reference_stream(kind, np.random.default_rng(3))
    np.testing.assert_allclose(values, ref_values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(expected, ref_expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", DRIFT_KINDS)
def test_nothing_changes_before_the_start_and_the_mean_reaches_the_shift(kind):
    values, expected = drifting_stream(kind, np.random.default_rng(0), shift=2.0)
    assert values.shape == expected.shape == (4000,)
    assert np.all(expected[:2000] == 0)
    assert expected[2000:].max() == pytest.approx(2.0)
    assert abs(values[:2000].mean()) < 0.1  # sd 1 noise around 0: SE 0.022


def test_gradual_drift_mixes_the_two_concepts_at_the_expected_rate():
    values, expected = drifting_stream("gradual", np.random.default_rng(1), shift=10.0)
    from_new = values[2000:3000] > 5  # with a shift of 10 the two concepts do not overlap
    assert from_new.mean() == pytest.approx(expected[2000:3000].mean() / 10, abs=0.04)


def test_recurring_drift_alternates_every_period():
    _, expected = drifting_stream("recurring", np.random.default_rng(0), period=250)
    assert expected[2000] == expected[2249] == 1.5
    assert expected[2250] == expected[2499] == 0.0
    assert expected[2500] == 1.5


def test_stream_is_reproducible_and_draws_only_from_rng():
    a = drifting_stream("gradual", np.random.default_rng(7))
    b = drifting_stream("gradual", np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"kind": "sideways"}, ValueError, "kind must be one of"),
        ({"rng": 0}, TypeError, "default_rng"),
        ({"length": 0}, ValueError, "length"),
        ({"start": 5000}, ValueError, "start"),
        ({"transition": 0}, ValueError, "transition"),
        ({"shift": float("nan")}, ValueError, "shift"),
        ({"period": 1.5}, TypeError, "period"),
    ],
)
def test_stream_refuses_bad_input(kwargs, error, match):
    args = {"kind": "sudden", "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        drifting_stream(args.pop("kind"), args.pop("rng"), **args)


# --- noisy_sine_segments -----------------------------------------------------------------------


def reference_sine(n, segment_length, rng, period=50, share=0.05):
    """The function notebook 11 defined before it moved into adlib."""
    values = np.sin(2 * np.pi * np.arange(n) / period) + rng.normal(0, 0.3, n)
    labels = np.zeros(n, dtype=int)
    if segment_length:
        slots = rng.choice(n // segment_length - 2, int(share * n) // segment_length, replace=False)
        for slot in slots + 1:
            labels[slot * segment_length : (slot + 1) * segment_length] = 1
        values[labels == 1] += rng.normal(0, 0.25, labels.sum())
    return values, labels


@pytest.mark.parametrize("length", [0, 1, 5, 100, 1000])
def test_sine_matches_the_reference(length):
    values, labels = noisy_sine_segments(20_000, length, np.random.default_rng(4))
    ref_values, ref_labels = reference_sine(20_000, length, np.random.default_rng(4))
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(values, ref_values)


@pytest.mark.parametrize("length", [1, 20, 500])
def test_segments_have_the_asked_length_share_and_never_touch_the_ends(length):
    from adlib.metrics import anomaly_segments

    _, labels = noisy_sine_segments(20_000, length, np.random.default_rng(0))
    assert labels.mean() == pytest.approx(0.05, abs=length / 20_000)
    assert labels[:length].sum() == 0 and labels[-2 * length :].sum() == 0
    segments = anomaly_segments(labels)
    assert all((end - start + 1) % length == 0 for start, end in segments)  # touching ones merge


def test_clean_series_has_no_anomalies():
    values, labels = noisy_sine_segments(1000, 0, np.random.default_rng(0))
    assert labels.sum() == 0 and values.shape == (1000,)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((100, 60), ValueError, "do not fit"),
        ((100, -1), ValueError, "segment_length"),
        ((0, 0), ValueError, "n"),
        ((100, 5.0), TypeError, "segment_length"),
    ],
)
def test_sine_refuses_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        noisy_sine_segments(*args, np.random.default_rng(0), share=0.5)


def test_sine_refuses_a_seed_instead_of_a_generator():
    with pytest.raises(TypeError, match="default_rng"):
        noisy_sine_segments(100, 5, 0)
