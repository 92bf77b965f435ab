"""varbayes.metrics against hand-computed cases and independent references (scipy.stats, brute force)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate, stats

from varbayes import metrics

RNG = np.random.default_rng(11)

PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.05, 0.05, 0.9]])
TARGETS = np.array([0, 2, 2, 1])


class FakeTensor:
    """Stands for a varbayes/PyTorch tensor: only .numpy() is offered."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def numpy(self) -> np.ndarray:
        return self.array


# ---------------------------------------------------------------- classification


def test_accuracy_nll_brier_by_hand() -> None:
    assert metrics.accuracy(PROBS, TARGETS) == 0.5  # rows 0 and 2 are right
    expected_nll = -(np.log(0.7) + np.log(0.3) + np.log(0.4) + np.log(0.05)) / 4
    assert metrics.nll(PROBS, TARGETS) == pytest.approx(expected_nll, rel=1e-12)
    rows = [
        0.3**2 + 0.2**2 + 0.1**2,
        0.1**2 + 0.6**2 + 0.7**2,
        0.3**2 + 0.3**2 + 0.6**2,
        0.05**2 + 0.95**2 + 0.9**2,
    ]
    assert metrics.brier(PROBS, TARGETS) == pytest.approx(np.mean(rows), rel=1e-12)


def test_nll_clips_zero_probability() -> None:
    assert metrics.nll([[1.0, 0.0]], [1], eps=1e-10) == pytest.approx(-np.log(1e-10))


def test_prediction_and_tensor_inputs() -> None:
    pred = SimpleNamespace(mean=FakeTensor(PROBS))
    assert metrics.accuracy(pred, FakeTensor(TARGETS)) == 0.5
    assert metrics.brier(pred, TARGETS.tolist()) == metrics.brier(PROBS, TARGETS)


def test_softmax() -> None:
    logits = np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(metrics.softmax(logits), [[0.5, 0.5], [0.25, 0.75]])


def test_ece_and_reliability_by_hand() -> None:
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.35, 0.65], [0.4, 0.6], [0.55, 0.45]])
    targets = np.array([0, 1, 1, 1, 0])
    diagram = metrics.reliability_diagram(probs, targets, n_bins=2)
    # bin (0, 0.5] is empty; bin (0.5, 1] holds all five: confidence 3.5/5, four correct.
    np.testing.assert_array_equal(diagram.edges, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(diagram.counts, [0, 5])
    assert np.isnan(diagram.confidence[0]) and np.isnan(diagram.accuracy[0])
    assert diagram.confidence[1] == pytest.approx(0.7) and diagram.accuracy[1] == pytest.approx(0.8)
    assert diagram.ece == pytest.approx(0.1)
    # Five right-closed bins: 0.55 and 0.6 in (0.4, 0.6], 0.65 and 0.8 (wrong) in (0.6, 0.8], 0.9 alone.
    diagram = metrics.reliability_diagram(probs, targets, n_bins=5)
    np.testing.assert_array_equal(diagram.counts, [0, 0, 2, 2, 1])
    expected = (2 * abs(1 - 0.575) + 2 * abs(0.5 - 0.725) + abs(1 - 0.9)) / 5
    assert metrics.ece(probs, targets, n_bins=5) == pytest.approx(expected)


def test_ece_zero_when_calibrated() -> None:
    # Exactly calibrated: in each confidence level the fraction correct equals the confidence.
    probs = np.repeat([[0.7, 0.3], [0.9, 0.1]], 10, axis=0)
    targets = np.array([0] * 7 + [1] * 3 + [0] * 9 + [1])
    assert metrics.ece(probs, targets) == pytest.approx(0.0, abs=1e-12)
    # Statistically calibrated: class 0 drawn with the predicted probability.
    p = RNG.uniform(0.5, 1.0, 200_000)
    targets = (RNG.uniform(size=p.size) >= p).astype(int)
    assert metrics.ece(np.stack([p, 1 - p], axis=1), targets) < 0.01


def test_ece_overconfident() -> None:
    probs = np.tile([[0.99, 0.01]], (100, 1))
    targets = np.array([0] * 60 + [1] * 40)
    assert metrics.ece(probs, targets) == pytest.approx(0.39)


def test_predictive_entropy() -> None:
    probs = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    entropy = metrics.predictive_entropy(probs)
    np.testing.assert_allclose(entropy, [0.0, np.log(3), np.log(2)], atol=1e-12)
    np.testing.assert_allclose(entropy, stats.entropy(probs, axis=1), atol=1e-12)


def test_auroc_by_hand() -> None:
    # Pairs: 0.9 and 0.8 beat both negatives (4); 0.5 ties 0.5 (1/2) and beats 0.3 (1): 5.5 of 6.
    assert metrics.auroc([0.9, 0.8, 0.5], [0.5, 0.3]) == pytest.approx(5.5 / 6)
    assert metrics.auroc([1, 2], [3, 4]) == 0.0
    assert metrics.auroc([7, 7], [7]) == 0.5


def test_auroc_brute_force() -> None:
    pos = RNG.integers(0, 20, 300).astype(float)  # small integers: many ties
    neg = RNG.integers(0, 15, 200).astype(float)
    pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    assert metrics.auroc(pos, neg) == pytest.approx(pairs.mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("probs", "targets", "message"),
    [
        (PROBS[:3], TARGETS, r"targets: expected shape \(3,\) to match probs \(3, 3\), found \(4,\)"),
        (PROBS[0], TARGETS[:1], r"probs: expected class probabilities of shape \(N, C\), found shape \(3,\)"),
        ([[1.2, -0.2]], [0], r"probs: negative probabilities"),
        ([[2.0, 1.0]], [0], r"probs: rows must sum to 1 .* off by 2"),
        (PROBS, [0, 1, 3, 0], r"targets: class indices must lie in 0\.\.2, found 0\.\.3"),
        (PROBS, [0, 1, -1, 0], r"targets: class indices must lie in 0\.\.2, found -1\.\.1"),
        (PROBS, [0, 1, 1.5, 0], r"targets: expected integer class indices"),
        (PROBS, [True, False, True, True], r"targets: expected numbers, found dtype bool"),
        (np.zeros((0, 3)), [], r"probs is empty \(shape \(0, 3\)\)"),
        ([[np.nan, 1.0]], [0], r"probs contains NaN"),
        (PROBS, [0, 1, np.nan, 0], r"targets contains NaN"),
    ],
    ids=[
        "shape",
        "1d-probs",
        "negative",
        "logits",
        "target-high",
        "target-negative",
        "non-integer",
        "bool-targets",
        "empty",
        "nan-probs",
        "nan-targets",
    ],
)
@pytest.mark.parametrize("metric", [metrics.accuracy, metrics.nll, metrics.brier, metrics.ece])
def test_classification_bad_input(metric, probs, targets, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metric(probs, targets)


def test_auroc_and_bins_bad_input() -> None:
    with pytest.raises(ValueError, match="scores_neg is empty"):
        metrics.auroc([1.0], [])
    with pytest.raises(ValueError, match=r"scores_pos: expected a 1-D array of scores, found shape \(1, 2\)"):
        metrics.auroc([[1.0, 2.0]], [1.0])
    with pytest.raises(ValueError, match="n_bins must be an integer at least 1, found 0"):
        metrics.ece(PROBS, TARGETS, n_bins=0)


@pytest.mark.parametrize("n_bins", [2.5, None, "15"])
def test_ece_refuses_a_non_integer_n_bins(n_bins) -> None:
    with pytest.raises(ValueError, match=f"n_bins must be an integer at least 1, found {n_bins!r}"):
        metrics.ece(PROBS, TARGETS, n_bins=n_bins)


@pytest.mark.parametrize("eps", [-1.0, 0.0, math.nan, math.inf, 0.5, None])
def test_nll_refuses_an_eps_outside_its_range(eps) -> None:
    with pytest.raises(ValueError, match=r"eps must be a number in \(0, 0.001\], found"):
        metrics.nll([[1.0, 0.0]], [1], eps=eps)


# ---------------------------------------------------------------- regression

MEAN = RNG.normal(size=50)
STD = RNG.uniform(0.2, 2.0, size=50)
Y = MEAN + STD * RNG.normal(size=50)


def test_rmse_mae() -> None:
    assert metrics.rmse([1.0, 2.0, 3.0], [1.0, 4.0, 3.0]) == pytest.approx(np.sqrt(4 / 3))
    assert metrics.mae([1.0, 2.0, 3.0], [1.0, 4.0, 0.0]) == pytest.approx(5 / 3)
    pred = SimpleNamespace(mean=FakeTensor(MEAN), std=STD)
    assert metrics.rmse(pred, Y) == metrics.rmse(MEAN, Y)


def test_gaussian_nll_vs_scipy() -> None:
    expected = -stats.norm.logpdf(Y, loc=MEAN, scale=STD).mean()
    assert metrics.gaussian_nll(MEAN, STD, Y) == pytest.approx(expected, rel=1e-12)
    pred = SimpleNamespace(mean=MEAN, std=STD)
    assert (
        metrics.gaussian_nll(pred, Y) == metrics.gaussian_nll(pred, y=Y) == metrics.gaussian_nll(MEAN, STD, Y)
    )


def test_coverage_and_interval_coverage() -> None:
    assert metrics.coverage([0, 0, 0, 0], [1, 1, 1, 1], [0.0, 1.0, 1.5, -0.1]) == 0.5
    levels = [0.5, 0.9, 0.95]
    covered = metrics.interval_coverage(MEAN, STD, Y, level=levels)
    for level, value in zip(levels, covered, strict=True):
        lo, hi = stats.norm.interval(level, loc=MEAN, scale=STD)
        assert value == metrics.coverage(lo, hi, Y) == metrics.interval_coverage(MEAN, STD, Y, level=level)
    # A large sample from the predicted Gaussians is covered at about the nominal level.
    y = RNG.normal(size=100_000)
    assert metrics.interval_coverage(np.zeros_like(y), np.ones_like(y), y) == pytest.approx(0.95, abs=0.005)


def test_interval_width() -> None:
    assert metrics.interval_width(STD, level=0.95) == pytest.approx(2 * 1.959963984540054 * STD.mean())
    pred = SimpleNamespace(mean=MEAN, std=STD)
    widths = metrics.interval_width(pred, level=[0.5, 0.9])
    lo, hi = stats.norm.interval([[0.5], [0.9]], scale=STD)
    np.testing.assert_allclose(widths, (hi - lo).mean(axis=1))


def crps_integral(mean: float, std: float, y: float) -> float:
    """CRPS as the integral of (F(x) - 1{x >= y})^2, split at the step."""
    cdf = stats.norm(mean, std).cdf
    below = integrate.quad(lambda x: cdf(x) ** 2, -np.inf, y)[0]
    above = integrate.quad(lambda x: (1 - cdf(x)) ** 2, y, np.inf)[0]
    return below + above


def test_crps_gaussian_vs_integral() -> None:
    for mean, std, y in [(0.0, 1.0, 0.0), (1.5, 0.3, 0.2), (-2.0, 4.0, 5.0)]:
        assert metrics.crps_gaussian([mean], [std], [y]) == pytest.approx(
            crps_integral(mean, std, y), rel=1e-7
        )
    expected = np.mean([crps_integral(m, s, y) for m, s, y in zip(MEAN[:10], STD[:10], Y[:10], strict=True)])
    assert metrics.crps_gaussian(MEAN[:10], STD[:10], Y[:10]) == pytest.approx(expected, rel=1e-7)
    # CRPS tends to |y - mean| as std -> 0.
    assert metrics.crps_gaussian([1.0], [1e-9], [3.0]) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((MEAN, STD, Y[:-1]), r"shape mismatch: mean \(50,\), std \(50,\), y \(49,\)"),
        ((MEAN[:, None], STD[:, None], Y), r"shape mismatch: mean \(50, 1\), std \(50, 1\), y \(50,\)"),
        ((MEAN, np.zeros(50), Y), r"std must be > 0, found minimum 0"),
        ((MEAN, -STD, Y), r"std must be > 0"),
        (([], [], []), r"mean is empty"),
        ((MEAN, STD, np.full(50, np.nan)), r"y contains NaN"),
        ((MEAN, np.full(50, np.inf), Y), r"std contains NaN or infinite"),
    ],
    ids=["length", "column-vs-flat", "zero-std", "negative-std", "empty", "nan-y", "inf-std"],
)
@pytest.mark.parametrize("metric", [metrics.gaussian_nll, metrics.interval_coverage, metrics.crps_gaussian])
def test_regression_bad_input(metric, args, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metric(*args)


def test_regression_bad_arguments() -> None:
    pred = SimpleNamespace(mean=MEAN, std=STD)
    with pytest.raises(ValueError, match=r"shape mismatch: pred \(50,\), y \(49,\)"):
        metrics.rmse(pred, Y[:-1])
    with pytest.raises(ValueError, match=r"lo must not exceed hi; it does at 1 of 2 points"):
        metrics.coverage([0.0, 2.0], [1.0, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"level: expected a number or a 1-D sequence in \(0, 1\)"):
        metrics.interval_coverage(MEAN, STD, Y, level=1.0)
    with pytest.raises(TypeError, match="expected mean, std and y"):
        metrics.gaussian_nll(MEAN, STD)
    with pytest.raises(TypeError, match="not a prediction and std"):
        metrics.crps_gaussian(pred, STD, Y)
