"""adlib.detectors: the shared contract, cross-checks against scipy/scikit-learn, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm
from sklearn.base import clone
from sklearn.covariance import EmpiricalCovariance
from sklearn.ensemble import IsolationForest
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

import adlib.detectors as detectors
from adlib.detectors import (
    AutoencoderDetector,
    BaseDetector,
    DenoisingAutoencoderDetector,
    GANomalyDetector,
    GMMDetector,
    IQRDetector,
    IsolationForestDetector,
    KDEDetector,
    LOFDetector,
    MultivariateGaussian,
    NeuralDetector,
    OneClassSVMDetector,
    PCADetector,
    PerFeatureGaussian,
    RandomDetector,
    ResidualAutoencoderDetector,
    SequenceDetector,
    VAEDetector,
    ZScoreDetector,
)
from adlib.thresholds import PercentileThreshold

# Cheap settings shared by the neural detectors (CPU, one small hidden layer, a few epochs).
_NEURAL = {
    "hidden": (8,),
    "latent_dim": 2,
    "epochs": 4,
    "batch_size": 32,
    "lr": 1e-2,
    "weight_decay": 0.0,
    "patience": 4,
    "val_fraction": 0.1,
    "random_state": 0,
    "device": "cpu",
    "progress": False,
}

# Every detector with every constructor argument given explicitly (non-default where that is
# cheap), so that get_params can be compared with exactly what was passed.
CONTRACT_PARAMS: dict[str, dict] = {
    "AutoencoderDetector": dict(_NEURAL),
    "DenoisingAutoencoderDetector": {**_NEURAL, "noise_std": 0.1},
    "GANomalyDetector": {**_NEURAL, "w_adv": 1.0, "w_con": 50.0, "w_enc": 1.0},
    "GMMDetector": {
        "n_components": 2,
        "covariance_type": "full",
        "reg_covar": 1e-5,
        "standardize": True,
        "random_state": 0,
    },
    "IQRDetector": {},
    "IsolationForestDetector": {"n_estimators": 25, "max_samples": 64, "random_state": 0},
    "KDEDetector": {"bandwidth": 0.8, "kernel": "gaussian", "standardize": True},
    "LOFDetector": {"n_neighbors": 15, "metric": "euclidean", "standardize": True},
    "MultivariateGaussian": {"reg_covar": 1e-6},
    "OneClassSVMDetector": {"kernel": "rbf", "nu": 0.2, "gamma": "scale", "standardize": True},
    "PCADetector": {"n_components": 2, "standardize": True},
    "PerFeatureGaussian": {},
    "RandomDetector": {"random_state": 0},
    "ResidualAutoencoderDetector": dict(_NEURAL),
    "SAEGANDetector": {**_NEURAL, "attention": True, "w_adv": 0.05, "scoring": "combined"},
    "VAEDetector": {**_NEURAL, "beta": 1.0, "scoring": "elbo", "n_score_samples": 4},
    "TwoStageDetector": {
        "stage1": IsolationForestDetector(n_estimators=25, random_state=0),
        "stage2": PCADetector(n_components=2),
        "pass_rate": 0.3,
        "random_state": 0,
    },
    "ZScoreDetector": {},
}
DETECTOR_NAMES = sorted(CONTRACT_PARAMS)
REJECT_CONSTANT = {"IQRDetector", "MultivariateGaussian", "PerFeatureGaussian", "ZScoreDetector"}
ABSTRACT = {"BaseDetector", "NeuralDetector", "SequenceDetector"}
# Combines detectors that are already fitted, on validation rows: tests/test_hybrid.py.
COMBINERS = {"ScoreFusion"}
# Exported names with contracts of their own, tested elsewhere: the whole-series detectors and
# changepoint functions (tests/test_series_detectors.py); the window detectors, every
# SequenceDetector subclass, are found by type (tests/test_sequence_detectors.py).
SERIES = {
    "ARIMAResidualDetector",
    "Changepoint",
    "STLResidualDetector",
    "SeriesDetector",
    "cusum_changepoint",
    "mean_shift_changepoints",
    "rolling_zscore",
}
# Window feature extraction, tested with its forest in tests/test_hybrid_sequence.py.
FEATURES = {"window_features"}


def comparable(params: dict) -> dict:
    """Params with nested estimators as (type, their params), so that clones compare equal."""
    return {
        k: (type(v), v.get_params()) if hasattr(v, "get_params") else v for k, v in params.items()
    }


def make(name: str) -> BaseDetector:
    return getattr(detectors, name)(**CONTRACT_PARAMS[name])


def test_contract_covers_every_exported_detector():
    exported = set(detectors.__all__) - ABSTRACT - SERIES - COMBINERS - FEATURES
    for name in exported | ABSTRACT:
        assert issubclass(getattr(detectors, name), BaseDetector)
    sequence = {n for n in exported if issubclass(getattr(detectors, n), SequenceDetector)}
    assert exported - sequence == set(CONTRACT_PARAMS)


def test_base_detector_is_abstract(X_train):
    with pytest.raises(NotImplementedError):
        BaseDetector().fit(X_train)


def test_neural_detector_is_abstract(X_train):
    class NoModule(NeuralDetector):  # has the parameters, but no _build
        def __init__(self):
            for key, value in CONTRACT_PARAMS["AutoencoderDetector"].items():
                setattr(self, key, value)

    detector = NoModule()
    with pytest.raises(NotImplementedError):
        detector.fit(X_train)
    assert not hasattr(detector, "n_features_in_")  # a failed fit leaves it unfitted
    # the bare base class has no hyperparameters at all, so it cannot be fitted either
    with pytest.raises((AttributeError, NotImplementedError)):
        NeuralDetector().fit(X_train)


# --- the contract, for every detector -----------------------------------------------------


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_fit_returns_self_and_records_n_features(name, X_train):
    detector = make(name)
    assert detector.fit(X_train) is detector
    assert detector.n_features_in_ == 3


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_scores_have_one_finite_value_per_row(name, X_train, X_new):
    detector = make(name).fit(X_train)
    for X in (X_train, X_new, X_new[:1], X_new.tolist()):
        scores = detector.score_samples(X)
        assert scores.shape == (len(X),)
        assert scores.dtype == np.float64
        assert np.isfinite(scores).all()


@pytest.mark.parametrize("name", sorted(set(DETECTOR_NAMES) - {"RandomDetector"}))
def test_higher_score_means_more_anomalous(name, X_train):
    detector = make(name).fit(X_train)
    far = X_train.mean(axis=0) + 15 * X_train.std(axis=0)
    scores = detector.score_samples(np.vstack([X_train, far]))
    assert scores[-1] > scores[:-1].max()
    # the centre of the training data is among the most normal points
    centre = detector.score_samples(X_train.mean(axis=0, keepdims=True))[0]
    assert centre < np.percentile(scores[:-1], 25)


def test_random_detector_scores_are_uniform_noise(X_train):
    scores = RandomDetector(random_state=1).fit(X_train).score_samples(np.zeros((4000, 3)))
    assert ((scores >= 0) & (scores < 1)).all()
    assert scores.mean() == pytest.approx(0.5, abs=0.02)
    # and they do not depend on the data at all
    other = RandomDetector(random_state=1).fit(X_train).score_samples(np.ones((4000, 3)))
    np.testing.assert_array_equal(scores, other)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_refit_with_same_random_state_gives_identical_scores(name, X_train, X_new):
    first = make(name).fit(X_train).score_samples(X_new)
    detector = make(name).fit(X_train)
    detector.fit(X_train)  # refitting the same object must also restart from scratch
    np.testing.assert_array_equal(detector.score_samples(X_new), first)


NEURAL_NAMES = sorted(
    n for n in DETECTOR_NAMES if issubclass(getattr(detectors, n), NeuralDetector)
)
SEEDED_NAMES = ["GMMDetector", "IsolationForestDetector", "RandomDetector", *NEURAL_NAMES]


@pytest.mark.parametrize("name", SEEDED_NAMES)
def test_random_state_matters(name, X_train, X_new):
    base = make(name)
    a = base.set_params(random_state=1).fit(X_train).score_samples(X_new)
    b = clone(base).set_params(random_state=2).fit(X_train).score_samples(X_new)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_get_params_returns_constructor_args_untouched(name, X_train):
    params = CONTRACT_PARAMS[name]
    detector = make(name)
    got = detector.get_params(deep=False)
    assert got == params
    for key, value in params.items():
        assert got[key] is value
    detector.fit(X_train)
    assert detector.get_params(deep=False) == params


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_clone_gives_unfitted_copy_with_same_params(name, X_train, X_new):
    fitted = make(name).fit(X_train)
    copy = clone(fitted)
    assert type(copy) is type(fitted)
    assert copy is not fitted
    assert comparable(copy.get_params(deep=False)) == comparable(fitted.get_params(deep=False))
    assert not hasattr(copy, "n_features_in_")
    with pytest.raises(ValueError, match="not fitted yet"):
        copy.score_samples(X_new)
    np.testing.assert_array_equal(
        copy.fit(X_train).score_samples(X_new), make(name).fit(X_train).score_samples(X_new)
    )


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_predict_with_threshold_object_and_number(name, X_train, X_new):
    detector = make(name).fit(X_train)
    rule = PercentileThreshold(90).fit(detector.score_samples(X_train))
    scores = detector.fit(X_train).score_samples(X_new)  # refit: RandomDetector's stream restarts

    pred = detector.fit(X_train).predict(X_new, rule)
    assert pred.dtype == np.int64
    assert set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (scores > rule.threshold_).astype(int))

    cut = float(np.median(scores))
    by_number = detector.fit(X_train).predict(X_new, cut)
    np.testing.assert_array_equal(by_number, (scores > cut).astype(int))
    assert by_number.sum() == len(X_new) // 2
    by_int = detector.fit(X_train).predict(X_new, np.int64(10**6))
    assert by_int.sum() == 0


@pytest.mark.parametrize("name", DETECTOR_NAMES)
@pytest.mark.parametrize("bad", ["0.5", None, True, [0.5], PercentileThreshold])
def test_predict_rejects_other_threshold_types(name, bad, X_train, X_new):
    detector = make(name).fit(X_train)
    with pytest.raises(TypeError, match=r"threshold must be a fitted adlib\.thresholds\.Threshold"):
        detector.predict(X_new, bad)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_predict_rejects_unfitted_rule_and_nan_threshold(name, X_train, X_new):
    detector = make(name).fit(X_train)
    with pytest.raises(ValueError, match="PercentileThreshold is not fitted yet"):
        detector.predict(X_new, PercentileThreshold())
    with pytest.raises(ValueError, match="threshold must be finite"):
        detector.predict(X_new, float("nan"))


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_unfitted_use_is_rejected(name, X_new):
    detector = make(name)
    with pytest.raises(ValueError, match=r"not fitted yet; call \.fit\(X_train\)"):
        detector.score_samples(X_new)
    with pytest.raises(ValueError, match="fit"):
        detector.predict(X_new, 0.5)


# --- bad input, for every detector --------------------------------------------------------


def _with(X: np.ndarray, value: float) -> np.ndarray:
    X = X.copy()
    X[3, 1] = value
    return X


HUGE = r"X holds a value of magnitude 1e\+300, above the limit of 1e\+150: .*Rescale it"
COMPLEX = r"X is complex \(dtype complex128\); .*imaginary part.*np\.real\(X\)"
BAD_X = [
    ("nan", lambda X: _with(X, np.nan), ValueError, "X contains 1 NaN and 0 infinite"),
    ("inf", lambda X: _with(X, np.inf), ValueError, "X contains 0 NaN and 1 infinite"),
    ("-inf", lambda X: _with(X, -np.inf), ValueError, "X contains 0 NaN and 1 infinite"),
    ("1e300", lambda X: _with(X, 1e300), ValueError, HUGE),
    ("-1e300", lambda X: _with(X, -1e300), ValueError, HUGE),
    ("complex", lambda X: X + 1j, TypeError, COMPLEX),
    ("complex zero imaginary in a list", lambda X: (X + 0j).tolist(), TypeError, COMPLEX),
    ("1-D", lambda X: X[:, 0], ValueError, r"X must be 2-D .*X\.reshape\(-1, 1\)"),
    ("3-D", lambda X: X[:, :, None], ValueError, "X must be 2-D"),
    ("empty", lambda X: X[:0], ValueError, "X has 0 samples"),
    ("no features", lambda X: X[:, :0], ValueError, "X has no features"),
    ("None", lambda X: None, TypeError, "X is None"),
    ("strings", lambda X: X.astype(str).astype(object) + "x", TypeError, "could not be converted"),
]


@pytest.mark.parametrize("name", DETECTOR_NAMES)
@pytest.mark.parametrize(("case", "corrupt", "error", "match"), BAD_X, ids=[b[0] for b in BAD_X])
def test_fit_rejects_bad_X(name, case, corrupt, error, match, X_train):
    with pytest.raises(error, match=match):
        make(name).fit(corrupt(X_train))


@pytest.mark.parametrize("name", DETECTOR_NAMES)
@pytest.mark.parametrize(("case", "corrupt", "error", "match"), BAD_X, ids=[b[0] for b in BAD_X])
def test_score_and_predict_reject_bad_X(name, case, corrupt, error, match, X_train, X_new):
    detector = make(name).fit(X_train)
    with pytest.raises(error, match=match):
        detector.score_samples(corrupt(X_new))
    with pytest.raises(error, match=match):
        detector.predict(corrupt(X_new), 0.5)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_mismatched_feature_count_is_rejected(name, X_train, X_new):
    detector = make(name).fit(X_train)
    with pytest.raises(ValueError, match="X has 2 features but the detector was fitted on 3"):
        detector.score_samples(X_new[:, :2])
    with pytest.raises(ValueError, match="X has 4 features but the detector was fitted on 3"):
        detector.score_samples(np.hstack([X_new, X_new[:, :1]]))


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_too_few_training_rows(name, X_train):
    detector = make(name)
    if name == "RandomDetector":
        assert detector.fit(X_train[:1]).score_samples(X_train).shape == (150,)
    else:
        # the neural detectors hold out a validation row and train on the rest: 10 rows at least
        n = detector.min_train_rows
        assert n == (10 if isinstance(detector, NeuralDetector) else 2)
        with pytest.raises(
            ValueError, match=f"X has {n - 1} samples but at least {n} are needed; pass more rows"
        ):
            detector.fit(X_train[: n - 1])
        if isinstance(detector, NeuralDetector):
            assert np.isfinite(detector.fit(X_train[:n]).score_samples(X_train)).all()


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_constant_features(name, X_train, X_new):
    X = X_train.copy()
    X[:, 1] = 4.0
    detector = make(name)
    if name in REJECT_CONSTANT:
        with pytest.raises(ValueError, match=r"cannot model constant features: columns \[1\]"):
            detector.fit(X)
    else:
        assert np.isfinite(detector.fit(X).score_samples(X_new)).all()


# Detectors whose arithmetic runs in float32 (neural networks, scikit-learn's trees): they
# have limits of their own, far below the float64 one.
FLOAT32 = {
    name for name in DETECTOR_NAMES if issubclass(getattr(detectors, name), NeuralDetector)
} | {"IsolationForestDetector", "TwoStageDetector"}


@pytest.mark.parametrize("name", sorted(set(DETECTOR_NAMES) - FLOAT32))
def test_values_up_to_the_magnitude_limit_give_finite_scores(name, X_train, X_new):
    largest = np.abs(np.vstack([X_train, X_new])).max()  # x / largest * 1e150 is 1e150 at most
    detector = make(name).fit(X_train / largest * 1e150)
    assert np.isfinite(detector.score_samples(X_new / largest * 1e150)).all()


@pytest.mark.parametrize("name", sorted(FLOAT32 - {"IsolationForestDetector", "TwoStageDetector"}))
def test_neural_detectors_refuse_values_their_float32_arithmetic_would_overflow(
    name, X_train, X_new
):
    detector = make(name).fit(X_train)
    assert np.isfinite(detector.score_samples(_with(X_new, 1e6))).all()
    with pytest.raises(
        ValueError,
        match=r"X after standardisation holds a value of magnitude [\d.]+e\+19, above the limit "
        r"of 1e\+09: a float32 network overflows to inf or NaN",
    ):
        detector.score_samples(_with(X_new, 1e20))


def test_isolation_forest_refuses_values_beyond_float32(X_train, X_new):
    match = (
        r"X holds a value of magnitude 1e\+39, above the limit of 3.4e\+38: scikit-learn's "
        "IsolationForest stores X as float32"
    )
    detector = IsolationForestDetector(n_estimators=10, random_state=0)
    with pytest.raises(ValueError, match=match):
        detector.fit(_with(X_train, 1e39))
    detector.fit(X_train)
    assert np.isfinite(detector.score_samples(_with(X_new, 1e38))).all()
    with pytest.raises(ValueError, match=match):
        detector.score_samples(_with(X_new, -1e39))


# --- cross-checks against scipy and scikit-learn ------------------------------------------


def test_per_feature_gaussian_matches_scipy_norm(X_train, X_new):
    detector = PerFeatureGaussian().fit(X_train)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)  # MLE: ddof=0
    expected = norm.logpdf(X_new, loc=mean, scale=std).sum(axis=1)
    np.testing.assert_allclose(detector.log_density(X_new), expected, rtol=1e-12)
    np.testing.assert_allclose(detector.score_samples(X_new), -expected, rtol=1e-12)


def test_multivariate_gaussian_matches_scipy_and_sklearn(X_train, X_new):
    detector = MultivariateGaussian(reg_covar=0.0).fit(X_train)
    cov = np.cov(X_train, rowvar=False, bias=True)
    np.testing.assert_allclose(detector.covariance_, cov, rtol=1e-12)
    expected = multivariate_normal(mean=X_train.mean(axis=0), cov=cov).logpdf(X_new)
    np.testing.assert_allclose(detector.log_density(X_new), expected, rtol=1e-10)
    np.testing.assert_allclose(detector.score_samples(X_new), -expected, rtol=1e-10)
    squared = EmpiricalCovariance().fit(X_train).mahalanobis(X_new)  # squared distances
    np.testing.assert_allclose(detector.mahalanobis(X_new) ** 2, squared, rtol=1e-10)


def test_multivariate_gaussian_sees_correlation_that_per_feature_misses(rng):
    # x2 ≈ x1: the point (2, -2) is normal in each feature but breaks the correlation
    x1 = rng.normal(size=500)
    X = np.column_stack([x1, x1 + 0.1 * rng.normal(size=500)])
    odd = np.array([[2.0, -2.0]])
    usual = np.array([[2.0, 2.0]])
    full = MultivariateGaussian().fit(X)
    naive = PerFeatureGaussian().fit(X)
    assert full.score_samples(odd)[0] > full.score_samples(usual)[0] + 100
    assert naive.score_samples(odd)[0] == pytest.approx(naive.score_samples(usual)[0], abs=0.5)


def test_multivariate_gaussian_reg_covar_is_added_to_the_diagonal(X_train):
    plain = MultivariateGaussian(reg_covar=0.0).fit(X_train).covariance_
    regularised = MultivariateGaussian(reg_covar=0.5).fit(X_train).covariance_
    np.testing.assert_allclose(regularised - plain, 0.5 * np.eye(3), atol=1e-12)


def test_isolation_forest_is_negated_sklearn_score(X_train, X_new):
    params = {"n_estimators": 30, "max_samples": 50, "random_state": 7}
    ours = IsolationForestDetector(**params).fit(X_train).score_samples(X_new)
    reference = IsolationForest(**params).fit(X_train).score_samples(X_new)
    np.testing.assert_array_equal(ours, -reference)
    assert ((ours > 0) & (ours < 1)).all()


@pytest.mark.parametrize(("kernel", "gamma"), [("rbf", "scale"), ("rbf", 0.3), ("linear", "scale")])
def test_one_class_svm_is_negated_sklearn_score_on_standardised_data(X_train, X_new, kernel, gamma):
    ours = OneClassSVMDetector(kernel=kernel, nu=0.2, gamma=gamma).fit(X_train)
    scaler = StandardScaler().fit(X_train)
    svm = OneClassSVM(kernel=kernel, nu=0.2, gamma=gamma).fit(scaler.transform(X_train))
    np.testing.assert_array_equal(
        ours.score_samples(X_new), -svm.score_samples(scaler.transform(X_new))
    )


def test_one_class_svm_without_standardising_uses_raw_data(X_train, X_new):
    ours = OneClassSVMDetector(nu=0.3, gamma=0.2, standardize=False).fit(X_train)
    svm = OneClassSVM(nu=0.3, gamma=0.2).fit(X_train)
    np.testing.assert_array_equal(ours.score_samples(X_new), -svm.score_samples(X_new))
    # and standardising does change the scores (the features have different spreads)
    scaled = OneClassSVMDetector(nu=0.3, gamma=0.2).fit(X_train).score_samples(X_new)
    assert not np.allclose(scaled, ours.score_samples(X_new))


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("metric", ["minkowski", "manhattan"])
def test_lof_matches_sklearn_novelty_and_outlier_modes(X_train, X_new, standardize, metric):
    ours = LOFDetector(n_neighbors=12, metric=metric, standardize=standardize).fit(X_train)
    scaler = StandardScaler().fit(X_train) if standardize else None

    def prep(X):
        return scaler.transform(X) if standardize else X

    novelty = LocalOutlierFactor(n_neighbors=12, metric=metric, novelty=True).fit(prep(X_train))
    np.testing.assert_array_equal(ours.score_samples(X_new), -novelty.score_samples(prep(X_new)))
    outlier = LocalOutlierFactor(n_neighbors=12, metric=metric).fit(prep(X_train))
    np.testing.assert_array_equal(ours.training_scores_, -outlier.negative_outlier_factor_)
    assert ours.training_scores_.shape == (len(X_train),)
    # the LOF of a point inside the data is about 1, of an isolated point well above 1
    assert np.median(ours.training_scores_) == pytest.approx(1.0, abs=0.1)
    far = X_train.mean(axis=0, keepdims=True) + 10 * X_train.std(axis=0)
    assert ours.score_samples(far)[0] > 3


@pytest.mark.parametrize("bandwidth", ["scott", "silverman", 0.5])
def test_kde_matches_sklearn_on_standardised_data(X_train, X_new, bandwidth):
    ours = KDEDetector(bandwidth=bandwidth).fit(X_train).score_samples(X_new)
    scaler = StandardScaler().fit(X_train)
    kde = KernelDensity(bandwidth=bandwidth).fit(scaler.transform(X_train))
    np.testing.assert_allclose(ours, -kde.score_samples(scaler.transform(X_new)), rtol=1e-12)


def test_kde_without_standardising_uses_raw_data(X_train, X_new):
    ours = KDEDetector(bandwidth=0.7, kernel="tophat", standardize=False).fit(X_train)
    kde = KernelDensity(bandwidth=0.7, kernel="tophat").fit(X_train)
    near = X_train[:10] + 0.01  # inside the tophat support, so the density is finite
    np.testing.assert_allclose(ours.score_samples(near), -kde.score_samples(near), rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_gmm_matches_sklearn_on_standardised_data(X_train, X_new, covariance_type):
    ours = GMMDetector(n_components=3, covariance_type=covariance_type, random_state=0)
    ours.fit(X_train)
    scaler = StandardScaler().fit(X_train)
    gmm = GaussianMixture(
        n_components=3, covariance_type=covariance_type, reg_covar=1e-6, random_state=0
    ).fit(scaler.transform(X_train))
    np.testing.assert_allclose(
        ours.score_samples(X_new), -gmm.score_samples(scaler.transform(X_new)), rtol=1e-12
    )


def test_zscore_detector_is_max_abs_z(X_train, X_new):
    detector = ZScoreDetector().fit(X_train)
    z = np.abs((X_new - X_train.mean(axis=0)) / X_train.std(axis=0))
    np.testing.assert_allclose(detector.score_samples(X_new), z.max(axis=1), rtol=1e-12)


def test_iqr_detector_score_above_1_5_is_tukeys_fence(X_train, X_new):
    detector = IQRDetector().fit(X_train)
    q1, q3 = np.percentile(X_train, [25, 75], axis=0)
    iqr = q3 - q1
    outside = ((X_new < q1 - 1.5 * iqr) | (X_new > q3 + 1.5 * iqr)).any(axis=1)
    np.testing.assert_array_equal(detector.score_samples(X_new) > 1.5, outside)
    # inside the box every score is negative
    assert detector.score_samples(np.median(X_train, axis=0, keepdims=True))[0] < 0


def test_iqr_detector_falls_back_to_scaled_std_when_iqr_is_zero():
    X = np.zeros((20, 2))
    X[:, 0] = np.arange(20.0)
    X[-3:, 1] = [1.0, 2.0, 3.0]  # over half the values equal: Q1 = Q3 = 0 but not constant
    detector = IQRDetector().fit(X)
    assert detector.scale_[1] == pytest.approx(1.349 * X[:, 1].std())
    assert np.isfinite(detector.score_samples(X)).all()


# --- parameter checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detector", "error", "match"),
    [
        (IsolationForestDetector(n_estimators=0), ValueError, r"n_estimators must be in \[1"),
        (IsolationForestDetector(n_estimators=2.5), TypeError, "n_estimators must be an integer"),
        (IsolationForestDetector(max_samples="all"), ValueError, "max_samples"),
        (IsolationForestDetector(max_samples=-3), ValueError, "max_samples"),
        (KDEDetector(bandwidth=0.0), ValueError, r"bandwidth must be in \(0.0, inf\)"),
        (KDEDetector(bandwidth=-1.0), ValueError, r"bandwidth must be in \(0.0, inf\)"),
        (KDEDetector(bandwidth=float("nan")), ValueError, "bandwidth must be finite"),
        (KDEDetector(bandwidth="wide"), ValueError, "bandwidth must be a positive number"),
        (KDEDetector(kernel="triangle"), ValueError, "kernel"),
        (GMMDetector(n_components=0), ValueError, r"n_components must be in \[1"),
        (GMMDetector(n_components=1.0), TypeError, "n_components must be an integer"),
        (GMMDetector(n_components=500), ValueError, "n_components=500 exceeds the 150"),
        (GMMDetector(covariance_type="round"), ValueError, "covariance_type"),
        (MultivariateGaussian(reg_covar=-1e-3), ValueError, r"reg_covar must be in \[0.0"),
        (MultivariateGaussian(reg_covar="small"), TypeError, "reg_covar must be a real number"),
        (MultivariateGaussian(reg_covar=np.inf), ValueError, "reg_covar must be finite"),
        (OneClassSVMDetector(nu=0.0), ValueError, r"nu must be in \(0, 1\], got 0.0; it is the"),
        (OneClassSVMDetector(nu=1.5), ValueError, r"nu must be in \(0, 1\], got 1.5"),
        (OneClassSVMDetector(nu=-0.1), ValueError, r"nu must be in \(0, 1\], got -0.1"),
        (OneClassSVMDetector(nu=np.nan), ValueError, "nu must be finite"),
        (OneClassSVMDetector(nu="0.1"), TypeError, "nu must be a real number"),
        (OneClassSVMDetector(kernel="cubic"), ValueError, "'kernel' parameter .* Got 'cubic'"),
        (OneClassSVMDetector(gamma="wide"), ValueError, "'gamma' parameter .* Got 'wide'"),
        (LOFDetector(n_neighbors=0), ValueError, r"n_neighbors must be in \[1, inf\], got 0"),
        (LOFDetector(n_neighbors=2.5), TypeError, "n_neighbors must be an integer, got float"),
        (LOFDetector(n_neighbors=150), ValueError, "n_neighbors=150 needs more than 150 training"),
        (LOFDetector(metric="nearby"), ValueError, "'metric' parameter .* Got 'nearby'"),
        (AutoencoderDetector(hidden=()), TypeError, r"hidden must be a non-empty tuple of layer"),
        (AutoencoderDetector(hidden="32"), TypeError, r"hidden must be a non-empty tuple .* '32'"),
        (AutoencoderDetector(hidden=32), TypeError, r"hidden must be a non-empty tuple .* 32\."),
        (AutoencoderDetector(hidden=(8, 0)), ValueError, r"hidden\[1\] must be in \[1, inf\]"),
        (AutoencoderDetector(hidden=(8.0,)), TypeError, r"hidden\[0\] must be an integer"),
        (AutoencoderDetector(latent_dim=0), ValueError, r"latent_dim must be in \[1, inf\]"),
        (VAEDetector(latent_dim=1.5), TypeError, "latent_dim must be an integer"),
        (
            AutoencoderDetector(val_fraction=0.0),
            ValueError,
            r"val_fraction must be in \(0.0, 0.5\)",
        ),
        (GANomalyDetector(val_fraction=0.7), ValueError, r"val_fraction must be in \(0.0, 0.5\)"),
        (
            DenoisingAutoencoderDetector(noise_std=0.0),
            ValueError,
            r"noise_std must be in \(0.0, inf\)",
        ),
        (
            DenoisingAutoencoderDetector(noise_std=-1),
            ValueError,
            r"noise_std must be in \(0.0, inf\)",
        ),
        (VAEDetector(beta=-0.5), ValueError, r"beta must be in \[0.0, inf\], got -0.5"),
        (
            VAEDetector(scoring="x"),
            ValueError,
            "scoring must be 'reconstruction' or 'elbo', got 'x'",
        ),
        (VAEDetector(n_score_samples=0), ValueError, r"n_score_samples must be in \[1, inf\]"),
        (GANomalyDetector(w_con=-1.0), ValueError, r"w_con must be in \[0.0, inf\], got -1.0"),
        (GANomalyDetector(w_adv=float("nan")), ValueError, "w_adv must be finite"),
        (ResidualAutoencoderDetector(epochs=0), ValueError, r"epochs must be in \[1, inf\]"),
        (AutoencoderDetector(batch_size=0), ValueError, r"batch_size must be in \[1, inf\]"),
        (VAEDetector(lr=0.0), ValueError, r"lr must be in \(0.0, inf\), got 0.0"),
        (GANomalyDetector(patience=0), ValueError, r"patience must be in \[1, inf\]"),
        (AutoencoderDetector(weight_decay=-1e-4), ValueError, r"weight_decay must be in \[0.0"),
        (AutoencoderDetector(device="tpu"), ValueError, "device must be 'auto', 'cpu', 'cuda'"),
        (AutoencoderDetector(random_state="seed"), ValueError, "'seed' cannot be used to seed"),
    ],
)
def test_bad_parameters_are_rejected_at_fit(detector, error, match, X_train):
    with pytest.raises(error, match=match):
        detector.fit(X_train)


def test_multivariate_gaussian_needs_enough_rows_or_regularisation(X_train):
    with pytest.raises(ValueError, match="3 rows cannot estimate a full covariance of 3"):
        MultivariateGaussian(reg_covar=0.0).fit(X_train[:3])
    regularised = MultivariateGaussian(reg_covar=0.1).fit(X_train[:3])
    assert np.isfinite(regularised.score_samples(X_train)).all()


def test_multivariate_gaussian_rejects_singular_covariance(X_train):
    collinear = np.column_stack([X_train, X_train[:, 0]])
    with pytest.raises(ValueError, match="covariance matrix is singular"):
        MultivariateGaussian(reg_covar=0.0).fit(collinear)
    assert np.isfinite(MultivariateGaussian().fit(collinear).score_samples(collinear)).all()


# --- the public density helpers validate their input like score_samples -------------------


@pytest.mark.parametrize(
    ("detector", "method"),
    [
        (PerFeatureGaussian(), "log_density"),
        (MultivariateGaussian(), "log_density"),
        (MultivariateGaussian(), "mahalanobis"),
    ],
)
def test_density_helpers_reject_bad_input(detector, method, X_train, X_new):
    with pytest.raises(ValueError, match="not fitted yet"):
        getattr(detector, method)(X_new)
    detector.fit(X_train)
    helper = getattr(detector, method)
    assert helper(X_new.tolist()).shape == (len(X_new),)
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        helper(_with(X_new, np.nan))
    with pytest.raises(ValueError, match=HUGE):
        helper(_with(X_new, 1e300))
    with pytest.raises(TypeError, match=COMPLEX):
        helper(X_new + 1j)
    with pytest.raises(ValueError, match="X has 2 features but the detector was fitted on 3"):
        helper(X_new[:, :2])
    with pytest.raises(ValueError, match="X must be 2-D"):
        helper(X_new[0])
