"""The crowded bone phantom: its truth, checked from its own parameters, and why it is hard."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import measure

from qbi import data, phantoms


@pytest.fixture(scope="module")
def crowded():
    return phantoms.bone_slice_crowded()


def test_catalogue_entry_is_the_default_phantom(crowded, tmp_path, monkeypatch):
    monkeypatch.setenv("QBI_DATA_DIR", str(tmp_path))
    loaded = data.load("bone_slice_crowded")
    assert sorted(loaded) == sorted(crowded)
    for key in crowded:
        assert np.array_equal(loaded[key], np.asarray(crowded[key])), key


def test_labels_are_the_ellipses_of_the_recorded_parameters(crowded):
    lab = crowded["lacunae"]
    n = int(crowded["n_lacunae"])
    assert n == 70 and lab.max() == n and len(crowded["centres"]) == n
    y, x = np.mgrid[0:lab.shape[0], 0:lab.shape[1]].astype(float)
    for k, ((py, px), (a, b), theta) in enumerate(
            zip(crowded["centres"], crowded["axes"], crowded["orientation"]), start=1):
        assert 4 <= a <= 7 and 2 <= b <= 3.5 and -np.pi / 2 <= theta <= np.pi / 2
        dy, dx = y - py, x - px
        u = dx * np.cos(theta) + dy * np.sin(theta)
        v = -dx * np.sin(theta) + dy * np.cos(theta)
        ellipse = (u / a) ** 2 + (v / b) ** 2 <= 1
        assert np.array_equal(lab == k, ellipse), f"lacuna {k} is not its ellipse"
        assert crowded["bone_mask"][int(round(py)), int(round(px))], f"lacuna {k} outside bone"


def test_the_recorded_pairs_touch_and_nothing_else_does(crowded):
    lab = crowded["lacunae"]
    pairs = {tuple(sorted(p)) for p in crowded["touching"].tolist()}
    assert len(pairs) == 15 and len({k for p in pairs for k in p}) == 30   # disjoint pairs
    touching = set()
    for k in range(1, lab.max() + 1):   # labels that are 4-neighbours of lacuna k
        ring = ndi.binary_dilation(lab == k) & (lab > 0) & (lab != k)
        touching |= {tuple(sorted((k, int(m)))) for m in np.unique(lab[ring])}
    assert touching == pairs
    # so a perfect threshold of the truth gives n_lacunae - n_pairs objects
    assert measure.label(lab > 0, connectivity=2).max() == 70 - 15


def test_noise_level_and_grey_values(crowded):
    img = crowded["image"].astype(float)
    assert crowded["image"].dtype == np.uint8
    far = ndi.binary_erosion(crowded["bone_mask"], iterations=5)
    far &= ~ndi.binary_dilation(crowded["lacunae"] > 0, iterations=5)
    assert abs(img[far].mean() - 170) < 1.5
    assert abs(img[far].std() - float(crowded["noise"])) < 1.5
    cores = ndi.binary_erosion(crowded["lacunae"] > 0, iterations=1)
    assert abs(np.median(img[cores]) - 70) < 10           # blurred a little at their edges


def test_other_seeds_and_parameters_work():
    other = phantoms.bone_slice_crowded(seed=31, n_lacunae=40, n_pairs=8, noise=20.0)
    assert int(other["n_lacunae"]) == 40 and len(other["touching"]) == 8
    assert measure.label(other["lacunae"] > 0, connectivity=2).max() == 32
