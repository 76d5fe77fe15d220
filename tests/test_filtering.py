"""qbi.filtering: the helpers of weeks 3 and 4 give the numbers their docstrings promise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage as ndi

from qbi import filtering as F


@pytest.fixture(scope="module")
def flat():
    return np.full((256, 256), 0.5)


def test_gaussian_noise_is_seeded_and_has_the_asked_sigma(flat):
    a, b = F.add_gaussian(flat, 0.1, seed=1), F.add_gaussian(flat, 0.1, seed=1)
    assert np.array_equal(a, b) and not np.array_equal(a, F.add_gaussian(flat, 0.1, seed=2))
    assert np.array_equal(a, flat + np.random.default_rng(1).normal(0.0, 0.1, flat.shape))
    assert abs((a - flat).std() - 0.1) < 0.002


def test_poisson_noise_is_counts_divided_and_its_variance_is_the_mean(flat):
    out = F.add_poisson(flat, 40, seed=3)
    assert np.allclose(out * 40, np.round(out * 40))          # whole counts
    assert abs(out.mean() - 0.5) < 0.005
    assert abs(out.var() / (0.5 / 40) - 1) < 0.05             # variance of counts/40 = f/40


def test_salt_and_pepper_sets_a_fraction_to_0_or_1(flat):
    out = F.add_salt_pepper(flat, 0.1, seed=4)
    changed = out != flat
    assert 0.09 < changed.mean() < 0.11
    assert set(np.unique(out[changed])) <= {0.0, 1.0}


def test_block_mean_variance_finds_poisson_statistics():
    # a smooth beam (gradient) with Poisson counts: variance = mean in every block
    beam = 1000 + 2000 * np.linspace(0, 1, 128)[None, :] * np.ones((128, 1))
    counts = np.random.default_rng(5).poisson(beam).astype(float)
    means, variances = F.block_mean_variance(counts, size=16)
    assert len(means) == len(variances) == 7 * 7
    assert abs(np.sum(means * variances) / np.sum(means**2) - 1) < 0.05


def test_score_is_zero_error_and_ssim_one_for_the_truth_and_worse_for_noise(flat):
    truth = np.zeros((64, 64))
    truth[16:48, 16:48] = 1.0
    assert F.score(truth, truth) == (0.0, 1.0)
    mse, ssim = F.score(truth + 0.1, truth)
    assert abs(mse - 0.01) < 1e-12 and ssim < 1
    assert "MSE 0.0100" in F.scored(truth + 0.1, truth, "brighter")


def test_separable_equals_the_2d_convolution():
    img = np.random.default_rng(6).random((40, 50))
    k1 = np.array([1, 4, 6, 4, 1]) / 16
    assert np.allclose(F.separable(img, k1), ndi.convolve(img, np.outer(k1, k1)), atol=1e-12)


def test_best_time_returns_the_fastest_run_and_respects_the_budget():
    calls = []
    t = F.best_time(lambda: calls.append(1), repeats=3)
    assert t >= 0 and len(calls) == 3
    calls.clear()
    F.best_time(lambda: (calls.append(1), __import__("time").sleep(0.03)), repeats=5, budget=0.05)
    assert len(calls) == 2                                      # stopped once 0.05 s were used


def test_fourier_helpers():
    img = np.random.default_rng(7).random((32, 48))
    ky, kx = F.frequency_grid(img.shape)
    assert ky.shape == kx.shape == img.shape and ky[16, 24] == 0 and kx[16, 24] == 0
    assert np.allclose(F.fourier_filter(img, np.ones(img.shape)), img)
    lowpass = F.fourier_filter(img, np.where(np.hypot(ky, kx) == 0, 1.0, 0.0))
    assert np.allclose(lowpass, img.mean())                    # keeping frequency 0 keeps the mean
    spec = F.power_spectrum(img)
    assert spec.shape == img.shape and spec.argmax() == np.ravel_multi_index((16, 24), img.shape)


def test_table_hides_the_index_and_rounds_to_significant_figures():
    df = pd.DataFrame({"name": ["a", "b"], "x": [0.012345, 512.4], "n": [3, 4]})
    html = F.table(df).to_html()
    assert "0.0123" in html and "512" in html and ">3<" in html
    assert F.significant(0.0684, 3) == "0.0684" and F.significant(1.3749, 3) == "1.37"
    assert F.significant(0, 3) == "0" and F.significant(float("nan")) == "-"


def test_disk_coverage_sums_to_the_area():
    cover, fine = F.disk_coverage(6.3)
    assert abs(cover.sum() - np.pi * 6.3**2) < 0.2
    assert cover.min() >= 0 and cover.max() <= 1 and fine.shape == (24 * 16, 24 * 16)


def test_ball_volumes_and_voxel_faces():
    binary, cover = F.ball_volumes(6)
    assert binary.shape == cover.shape and binary.dtype == bool
    assert abs(cover.sum() / (4 / 3 * np.pi * 6**3) - 1) < 0.02
    assert F.voxel_face_area(np.ones((1, 1, 1), bool)) == 6
    assert F.voxel_face_area(np.ones((2, 3, 4), bool)) == 2 * (6 + 8 + 12)


def test_glue_numbers_refuses_objects():
    with pytest.raises(TypeError):
        F.glue_numbers(bad=[1, 2])
