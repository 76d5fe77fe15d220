"""Week 10 (multiple modalities): qbi.multimodal against known answers, and the truth of the
neutron/X-ray phantom checked independently of the lecture's methods."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.spatial import distance

from qbi import data, multimodal as mm, phantoms


@pytest.fixture(scope="module")
def sample():
    return phantoms.neutron_xray(seed=10)


# --- qbi.multimodal: known answers ------------------------------------------------------

def test_matched_accuracy_ignores_cluster_names():
    truth = np.array([0, 0, 1, 1, 2, 2])
    assert mm.matched_accuracy(np.array([2, 2, 0, 0, 1, 1]), truth) == 1.0
    assert np.isclose(mm.matched_accuracy(np.zeros(6, int), truth), 1 / 3)
    # one pixel wrong in six, under the best renaming
    assert np.isclose(mm.matched_accuracy(np.array([5, 5, 7, 7, 9, 7]), truth), 5 / 6)


def test_matched_accuracy_with_more_clusters_than_classes():
    truth = np.array([0, 0, 0, 1, 1, 1])
    # four clusters for two classes: the best two map, the rest count as wrong
    assert np.isclose(mm.matched_accuracy(np.array([0, 0, 3, 1, 1, 2]), truth), 4 / 6)


def test_majority_labels_and_single_channel_ceiling():
    truth = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    groups = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    assert mm.majority_labels(groups, truth).tolist() == [0, 0, 1, 1, 1, 1, 1, 1]
    # two classes with identical values: the ceiling is the larger share
    assert np.isclose(mm.single_channel_ceiling(np.ones(8), truth, bins=4), 5 / 8)
    # well separated values: every rule can be perfect
    assert mm.single_channel_ceiling(truth * 10.0 + 1, truth) == 1.0


def test_mutual_information_of_independent_and_identical_images():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 8, 200_000)
    b = rng.integers(0, 8, 200_000)
    # identical images: I = H(A) = ln 8 for 8 equally likely values; NMI = 2
    assert np.isclose(mm.mutual_information(a, a, bins=8), np.log(8), atol=1e-3)
    assert np.isclose(mm.mutual_information(a, a, bins=8, normalized=True), 2.0)
    # independent images: I close to 0, NMI close to 1
    assert mm.mutual_information(a, b, bins=8) < 1e-3
    assert abs(mm.mutual_information(a, b, bins=8, normalized=True) - 1.0) < 1e-3
    # a non-monotonic relabelling keeps all the information
    c = (a * 5) % 8
    assert np.isclose(mm.mutual_information(a, c, bins=8), np.log(8), atol=1e-3)


def test_normalised_mutual_information_matches_skimage():
    from skimage.metrics import normalized_mutual_information

    rng = np.random.default_rng(1)
    a = rng.normal(size=(64, 64))
    b = a**2 + 0.3 * rng.normal(size=(64, 64))
    ours = mm.mutual_information(a, b, bins=32, normalized=True)
    assert np.isclose(ours, normalized_mutual_information(a, b, bins=32), rtol=1e-10)


def test_mahalanobis_uses_the_inverse_covariance():
    mean = np.array([1.0, 2.0])
    cov = np.array([[4.0, 1.0], [1.0, 2.0]])
    x = np.array([3.0, -1.0])
    expected = distance.mahalanobis(x, mean, np.linalg.inv(cov))
    assert np.isclose(mm.mahalanobis(x, mean, cov), expected)
    # 1D: the z-score
    assert np.isclose(mm.mahalanobis(np.array([7.0]), np.array([1.0]), np.array([[9.0]])), 2.0)
    # several points at once
    pts = np.array([x, mean])
    assert np.allclose(mm.mahalanobis(pts, mean, cov), [expected, 0.0])


def test_bhattacharyya_distance_known_cases():
    # equal variances: (m1 - m2)^2 / (8 s^2)
    assert np.isclose(mm.bhattacharyya(0.0, 4.0, 2.0, 4.0), 4 / 32)
    # equal means, variances 1 and 4: 1/2 ln((1+4)/2 / sqrt(4))
    assert np.isclose(mm.bhattacharyya(0.0, 1.0, 0.0, 4.0), 0.5 * np.log(2.5 / 2))
    # identical 2D classes: zero; symmetric
    cov = np.array([[1.0, 0.3], [0.3, 2.0]])
    assert np.isclose(mm.bhattacharyya([0, 0], cov, [0, 0], cov), 0.0)
    a = mm.bhattacharyya([0, 0], cov, [1, 2], np.eye(2))
    assert np.isclose(a, mm.bhattacharyya([1, 2], np.eye(2), [0, 0], cov))


def test_ellipse_parameters_of_a_diagonal_covariance():
    w, h, angle = mm.ellipse_parameters(np.diag([4.0, 1.0]), n_std=2)
    assert np.isclose(w, 8.0) and np.isclose(h, 4.0)
    assert np.isclose(abs(angle) % 180, 0.0)


def test_metric_map_finds_a_known_whole_pixel_shift():
    rng = np.random.default_rng(2)
    base = ndi.gaussian_filter(rng.normal(size=(80, 80)), 2)
    moving = np.roll(base, (3, -2), axis=(0, 1))          # content moved by (3, -2)
    maps = mm.metric_map(base, np.sin(3 * moving), max_shift=6)   # non-monotonic relation
    i, j = np.unravel_index(np.argmax(maps["nmi"]), maps["nmi"].shape)
    assert (maps["shifts"][i], maps["shifts"][j]) == (3, -2)


def test_metric_vs_shift_and_shift_back_convention():
    rng = np.random.default_rng(3)
    base = ndi.gaussian_filter(rng.normal(size=(64, 64)), 2)
    moving = ndi.shift(base, (2.0, 4.0), order=1, mode="nearest")
    back = mm.shift_back(moving, (2.0, 4.0))
    assert np.abs(back - base)[10:-10, 10:-10].max() < 0.05 * np.ptp(base)
    curves = mm.metric_vs_shift(base, moving, np.arange(-6, 7), axis=1, base=(2.0, 0.0))
    assert curves["shift"][np.argmin(curves["mse"])] == 4
    assert curves["shift"][np.argmax(curves["correlation"])] == 4
    assert curves["shift"][np.argmax(curves["nmi"])] == 4


def test_register_mutual_information_recovers_a_subpixel_shift():
    rng = np.random.default_rng(4)
    base = ndi.gaussian_filter(rng.normal(size=(96, 96)), 3)
    # a non-monotonic relation between the two images: squared, standardised values
    moving = (ndi.shift(base, (2.6, -3.3), order=3, mode="nearest") / base.std()) ** 2
    est, registered = mm.register_mutual_information(base, moving, seed=1)
    assert np.abs(est - [2.6, -3.3]).max() < 0.1
    assert registered.shape == base.shape
    # the same seed gives the same answer; seed 0 (SimpleITK: "the clock") is refused
    again, _ = mm.register_mutual_information(base, moving, seed=1)
    assert np.allclose(est, again, atol=1e-6)     # up to the rounding of 2 threads
    with pytest.raises(ValueError, match="clock"):
        mm.register_mutual_information(base, moving, seed=0)


def test_flat_pixels_avoid_edges():
    img = np.zeros((64, 64))
    img[:, 32:] = 1.0
    img += 0.05 * np.random.default_rng(5).normal(size=img.shape)
    flat = mm.flat_pixels([img], keep=0.5)
    assert not flat[:, 30:34].any()                       # no pixel next to the edge
    assert np.isclose(flat.mean(), 0.5, atol=0.05)


def test_rgb_overlay_is_magenta_and_green():
    a = np.array([[0.0, 1.0], [0.0, 1.0]])
    b = np.array([[0.0, 0.0], [1.0, 1.0]])
    rgb = mm.rgb_overlay(a, b)
    assert rgb.shape == (2, 2, 3)
    assert rgb[0, 1].tolist() == [1, 0, 1] and rgb[1, 0].tolist() == [0, 1, 0]
    assert rgb[1, 1].tolist() == [1, 1, 1] and rgb[0, 0].tolist() == [0, 0, 0]


# --- the phantom's truth, checked without the lecture's methods --------------------------

def test_phantom_is_deterministic_and_depends_on_the_seed(sample):
    again = phantoms.neutron_xray(seed=10)
    for key in sample:
        assert np.array_equal(sample[key], again[key]), key
    other = phantoms.neutron_xray(seed=11)
    assert not np.array_equal(sample["neutron"], other["neutron"])
    assert not np.allclose(sample["shift"], other["shift"])


def test_phantom_materials_in_equal_shares_and_values_match_mu(sample):
    labels = sample["labels"]
    shares = np.bincount(labels.ravel(), minlength=4) / labels.size
    assert np.all(np.abs(shares - 0.25) < 0.04), shares
    # away from boundaries, each material's mean value is its attenuation coefficient
    for k in range(4):
        core = ndi.binary_erosion(labels == k, iterations=3)
        assert abs(sample["neutron"][core].mean() - sample["mu"][k, 0]) < 0.03
        core_x = ndi.binary_erosion(sample["labels_xray"] == k, iterations=3)
        assert abs(sample["xray"][core_x].mean() - sample["mu"][k, 1]) < 0.02


def test_phantom_noise_levels(sample):
    # aluminium has no texture: inside its grains the spread is the detector noise
    core = ndi.binary_erosion(sample["labels"] == 0, iterations=3)
    assert abs(sample["neutron"][core].std() - sample["noise"][0]) < 0.015
    core_x = ndi.binary_erosion(sample["labels_xray"] == 0, iterations=3)
    assert abs(sample["xray"][core_x].std() - sample["noise"][1]) < 0.01


def test_phantom_neither_modality_separates_the_pairs(sample):
    mu = sample["mu"]
    # the 2 x 2 design: aluminium ~ lead and polymer ~ iron for neutrons,
    # aluminium ~ polymer and lead ~ iron for X-rays (within a fraction of the noise)
    assert abs(mu[0, 0] - mu[2, 0]) < sample["noise"][0]
    assert abs(mu[1, 0] - mu[3, 0]) < sample["noise"][0]
    assert abs(mu[0, 1] - mu[1, 1]) < sample["noise"][1]
    assert abs(mu[2, 1] - mu[3, 1]) < sample["noise"][1]


def test_phantom_shift_relates_the_two_label_frames(sample):
    shift = sample["shift"]
    assert np.all((np.abs(shift) >= 3) & (np.abs(shift) <= 8))
    moved = ndi.shift(sample["labels_xray"], -shift, order=0, mode="nearest")
    inner = (slice(12, -12),) * 2
    agree = np.mean(moved[inner] == sample["labels"][inner])
    assert agree > 0.97
    # without the shift the frames disagree on many pixels
    assert np.mean(sample["labels_xray"][inner] == sample["labels"][inner]) < 0.8


def test_phantom_wedges_follow_beer_lambert(sample):
    att = np.stack([-np.log(sample["wedge_neutron"]), -np.log(sample["wedge_xray"])])
    model = np.einsum("mk,kyx->myx", sample["wedge_mu"], sample["wedge_thickness"])
    # 1 % multiplicative noise on the transmission: about 0.01 in -ln T
    assert np.abs(att - model).mean() < 0.012
    assert 0.007 < (att - model).std() < 0.013
    assert np.isclose(sample["wedge_thickness"][0].max(), 2.0)
    assert np.isclose(sample["wedge_thickness"][1].max(), 1.5)


def test_catalogue_entries_load():
    d = data.load("neutron_xray")
    assert d["neutron"].shape == d["xray"].shape == d["labels"].shape == (160, 160)
    assert data.info("neutron_xray")["seed"] == 10
    assert data.info("neutron_xray_exercise")["seed"] == 11
    t1 = data.load("brain_t1")
    assert t1["image"].shape == (33, 41, 25) and t1["affine"].shape == (4, 4)
    assert np.allclose(t1["zooms"], 2.0)
    assert data.load("mr_small")["image"].shape == (64, 64)
