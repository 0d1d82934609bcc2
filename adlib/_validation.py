"""Input checks shared by every public function in adlib.

Each check raises a ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind,
wrong content) whose message names the argument, says what was wrong and how to fix it,
so that a learner sees the cause of a failure instead of a NaN three cells later.
Arrays of data and scores must be real (complex input is refused, not cast) and finite;
data, and scores that statistics are computed on, at most :data:`MAX_MAGNITUDE` in
absolute value; what a float32 network receives, at most :data:`MAX_STANDARDISED`
training standard deviations from the training mean.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

#: Largest absolute value accepted in data (features, windows, series, event times) and in
#: the scores a threshold rule fits its statistics on. Squaring overflows float64 above
#: sqrt(finfo.max) ≈ 1.3e154; up to 1e150 the square of a difference of two values is at
#: most 4e300, so a sum of up to 4e7 such squares (a variance over rows, a squared distance
#: over features, a cumulative sum over a series) stays below finfo.max ≈ 1.8e308. Data in
#: any real unit is far smaller; only corrupted or badly scaled input gets near it.
MAX_MAGNITUDE = 1e150
#: Largest standardised |value| fed to a float32 network. float32 overflows above 3.4e38,
#: and attention scores and layer norms multiply products of activations, so the fourth
#: power must stay finite: 3.4e38 ** 0.25 ≈ 1.4e9 (TranAD already returns NaN at 1e12).
#: A value that many training standard deviations out is corrupted, not an anomaly to rank.
MAX_STANDARDISED = 1e9
_FLOAT64_OVERFLOW = (
    "standardising, squaring or summing values that large overflows float64. Rescale it "
    "first (change the unit or divide by a power of ten)"
)


def as_float_matrix(X: object, name: str = "X", *, min_rows: int = 1) -> np.ndarray:
    """Return ``X`` as a finite float64 array of shape (n_samples, n_features)."""
    array = _as_numeric_array(X, name)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n_samples, n_features), got shape {array.shape}; "
            "reshape a single feature with X.reshape(-1, 1) or a single sample with "
            "X.reshape(1, -1)."
        )
    if array.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {array.shape}).")
    _check_rows(array, name, min_rows)
    _check_finite(array, name)
    _check_magnitude(array, name)
    return array


def as_float_vector(
    x: object, name: str = "scores", *, min_rows: int = 1, max_magnitude: float | None = None
) -> np.ndarray:
    """Return ``x`` as a finite float64 array of shape (n,), at most ``max_magnitude`` in size.

    Scores need no bound by default: comparing and ranking them never overflows, so a metric
    or a threshold's ``predict`` is exact for any finite score. Pass
    ``max_magnitude=MAX_MAGNITUDE`` where the values enter sums, squares or differences (the
    scores a threshold rule fits its statistics on, event times).
    """
    array = _as_numeric_array(x, name)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D with shape (n,), got shape {array.shape}; "
            "pass one value per sample (use .ravel() if it is a column)."
        )
    _check_rows(array, name, min_rows)
    _check_finite(array, name)
    if max_magnitude is not None:
        _check_magnitude(array, name, limit=max_magnitude)
    return array


def standardised_float32(Xs: np.ndarray, name: str = "X") -> np.ndarray:
    """Return standardised ``Xs`` as float32 for a network, refusing values it would overflow.

    ``Xs`` is X minus the training mean over the training standard deviation, so its
    magnitude counts standard deviations; beyond MAX_STANDARDISED the network's float32
    arithmetic gives inf or NaN scores.
    """
    _check_magnitude(
        Xs,
        f"{name} after standardisation",
        limit=MAX_STANDARDISED,
        why=(
            "a float32 network overflows to inf or NaN on a value that many training standard "
            "deviations from the training mean. Such a value is almost surely corrupted (or its "
            "feature was nearly constant in training): find it, then fix or drop that row"
        ),
    )
    return Xs.astype(np.float32)


def as_binary_labels(y: object, name: str = "y", n: int | None = None) -> np.ndarray:
    """Return ``y`` as an int array of 0 (normal) and 1 (anomaly), optionally of length n."""
    array = np.asarray(y)
    _reject_complex(array, name)
    if array.dtype == bool:
        array = array.astype(np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape (n,), got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one label.")
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must hold numbers 0/1, got dtype {array.dtype}.")
    values = set(np.unique(array).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            f"{name} must hold only 0 (normal) and 1 (anomaly), got values {sorted(values)}; "
            "map your classes to 0/1 first."
        )
    if n is not None and array.shape[0] != n:
        raise ValueError(
            f"{name} has {array.shape[0]} labels but there are {n} scores or samples; "
            "they must be aligned one to one."
        )
    return array.astype(np.int64)


def check_both_classes(y: np.ndarray, name: str = "y") -> None:
    """Raise if ``y`` does not contain both a normal (0) and an anomalous (1) example."""
    if y.min() == y.max():
        only = "anomalies" if y[0] == 1 else "normal points"
        raise ValueError(
            f"{name} contains only {only}; this metric needs both classes. "
            "Evaluate on a split that holds normal points and anomalies."
        )


def check_n_features(X: np.ndarray, n_features: int, name: str = "X") -> None:
    """Raise if ``X`` has a different number of features from the data seen in ``fit``."""
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features but the detector was fitted on {n_features}; "
            "score data with the same columns, in the same order, as the training data."
        )


def check_int(value: object, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking its type and inclusive bounds."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}.")
    _check_bounds(int(value), name, low, high, inclusive=True)
    return int(value)


def check_real(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite float after checking its type and bounds."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}.")
    _check_bounds(number, name, low, high, inclusive=inclusive)
    return number


def _as_numeric_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array of any shape; a TypeError if it is not real numbers."""
    if x is None:
        raise TypeError(f"{name} is None; pass an array-like of numbers.")
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise _not_numbers(name, error) from None
    _reject_complex(array, name)
    try:
        return array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as error:
        raise _not_numbers(name, error) from None


def _not_numbers(name: str, error: Exception) -> TypeError:
    """The TypeError for input that NumPy cannot turn into a float array."""
    return TypeError(
        f"{name} could not be converted to a float array ({error}); "
        "pass numbers only, e.g. a NumPy array or the numeric columns of a DataFrame."
    )


def _reject_complex(array: np.ndarray, name: str) -> None:
    """Raise for a complex array: a cast to float would drop its imaginary part silently."""
    if np.iscomplexobj(array):
        raise TypeError(
            f"{name} is complex (dtype {array.dtype}); casting it to real numbers would lose "
            f"the imaginary part. If only the real part is meant, pass np.real({name}) "
            f"explicitly (or np.abs({name}) for the modulus)."
        )


def _check_rows(array: np.ndarray, name: str, min_rows: int) -> None:
    if array.shape[0] < min_rows:
        hint = "pass a non-empty array" if min_rows <= 1 else "pass more rows"
        raise ValueError(
            f"{name} has {array.shape[0]} samples but at least {min_rows} are needed; {hint}."
        )


def _check_finite(array: np.ndarray, name: str) -> None:
    if not np.isfinite(array).all():
        n_nan = int(np.isnan(array).sum())
        n_inf = int(np.isinf(array).sum())
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite values; impute or drop them "
            "before fitting or scoring (anomaly scores are undefined for missing values)."
        )


def _check_magnitude(
    array: np.ndarray, name: str, *, limit: float = MAX_MAGNITUDE, why: str = _FLOAT64_OVERFLOW
) -> None:
    """Raise a ValueError naming the largest |value| of ``array`` if it exceeds ``limit``.

    Such values are finite, so :func:`_check_finite` passes them, but arithmetic on them
    overflows to inf or NaN deep inside NumPy, scikit-learn or torch; ``why`` says where and
    how to fix it. NaN are ignored here (rejected, or allowed, by the caller).
    """
    largest = float(np.nanmax(np.abs(array), initial=0.0))
    if largest > limit:
        raise ValueError(
            f"{name} holds a value of magnitude {largest:.3g}, above the limit of {limit:.3g}: "
            f"{why}."
        )


def _check_bounds(
    value: float, name: str, low: float | None, high: float | None, *, inclusive: bool
) -> None:
    if inclusive:
        too_low = low is not None and value < low
        too_high = high is not None and value > high
        brackets = "[]"
    else:
        too_low = low is not None and value <= low
        too_high = high is not None and value >= high
        brackets = "()"
    if too_low or too_high:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in {brackets[0]}{lo}, {hi}{brackets[1]}, got {value}.")
