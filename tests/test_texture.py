"""qbi.texture: GLCM features patch by patch, checked against hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import feature

from qbi import data, texture


def test_quantize_maps_grey_values_to_levels():
    ramp = np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)
    q = texture.quantize(ramp, 4)
    assert q.dtype == np.uint8 and q.min() == 0 and q.max() == 3
    assert np.array_equal(np.bincount(q.ravel()), [64, 64, 64, 64])
    assert np.array_equal(texture.quantize(np.arange(256, dtype=np.uint8), 8),
                          np.arange(256) // 32)
    with pytest.raises(ValueError):
        texture.quantize(ramp, 3)


def test_glcm_features_of_stripes_know_their_direction():
    stripes = np.tile(np.array([0, 3], dtype=np.uint8), (8, 4))   # vertical stripes
    f = dict(zip(texture.GLCM_NAMES, texture.glcm_features(stripes, 4)))
    assert f["contrast 0"] == pytest.approx(9.0)       # every horizontal pair differs by 3
    assert f["contrast 90"] == pytest.approx(0.0)      # vertical pairs are equal
    assert f["homogeneity 90"] == pytest.approx(1.0)
    flat = np.full((8, 8), 2, dtype=np.uint8)
    g = dict(zip(texture.GLCM_NAMES, texture.glcm_features(flat, 4)))
    assert g["energy 0"] == pytest.approx(1.0) and g["contrast 0"] == 0


def test_glcm_features_agree_with_graycoprops():
    rng = np.random.default_rng(0)
    patch = rng.integers(0, 8, (10, 10)).astype(np.uint8)
    g = feature.graycomatrix(patch, [1], [0, np.pi / 2], levels=8, symmetric=True, normed=True)
    expected = [feature.graycoprops(g, p)[0, k] for p in texture.PROPS for k in range(2)]
    assert np.allclose(texture.glcm_features(patch, 8), expected)


def test_patches_are_pure_and_have_the_named_columns():
    image = np.zeros((16, 24), dtype=np.float32)
    labels = np.zeros((16, 24), dtype=int)
    labels[:, 12:] = 1                                  # boundary inside the 2nd column of patches
    X, y = texture.texture_patches(image, labels, size=8, levels=8)
    assert X.shape == (4, len(texture.FEATURE_NAMES)) and y.tolist() == [0, 1, 0, 1]
    assert texture.FEATURE_NAMES[-1] == "mean grey"


def test_textures_phantom_separates_with_the_chosen_features():
    tex = data.load("textures")
    scores, cm = texture.texture_scores(tex["image"], tex["labels"], size=8, levels=32)
    assert scores["patches"] == cm.sum() > 400
    assert scores["k-means balanced"] > 0.95 and scores["classifier balanced"] > 0.95
