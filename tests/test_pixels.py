"""qbi.pixels: features per pixel, simulated annotations and the week-6 drawings."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import ndimage as ndi  # noqa: E402

from qbi import phantoms, pixels  # noqa: E402


@pytest.fixture(scope="module")
def tex():
    return phantoms.textures(seed=8)


# ------------------------------------------------------------------------------------------
# features
# ------------------------------------------------------------------------------------------
def test_patches_are_the_windows_around_each_pixel():
    image = np.arange(7 * 9, dtype=float).reshape(7, 9)
    table = pixels.patches(image, 3)
    assert table.shape == (63, 9)
    assert np.array_equal(table[:, 4], image.ravel())  # the centre of each window is the pixel
    r, c = 3, 5  # an interior pixel: its window is a plain slice, read row by row
    assert np.array_equal(table[r * 9 + c], image[r - 1:r + 2, c - 1:c + 2].ravel())
    # at the border the image is mirrored (reflect): the row above row 0 is row 1
    assert np.array_equal(table[0].reshape(3, 3)[0], image[1, [1, 0, 1]])


def test_patches_rejects_even_sizes_and_non_2d_images():
    with pytest.raises(ValueError, match="odd"):
        pixels.patches(np.zeros((5, 5)), 4)
    with pytest.raises(ValueError, match="2D"):
        pixels.patches(np.zeros((5, 5, 3)), 3)


def test_position_gives_row_and_column():
    pos = pixels.position((4, 6))
    assert pos.shape == (4, 6, 2) and pos.dtype == np.float32
    assert pos[3, 5].tolist() == [3.0, 5.0]
    assert pos[..., 0].max() == 3 and pos[..., 1].max() == 5


# ------------------------------------------------------------------------------------------
# annotations
# ------------------------------------------------------------------------------------------
def test_scattered_labels_match_the_lecture_recipe():
    idx = pixels.scattered_labels((192, 192), 0.02, seed=42)
    expected = np.random.default_rng(42).choice(192 * 192, size=737, replace=False)
    assert np.array_equal(idx, expected)
    assert len(np.unique(idx)) == len(idx) == 737
    with pytest.raises(ValueError):
        pixels.scattered_labels((10, 10), 0.001)


def test_brush_strokes_paint_inside_every_class(tex):
    truth = tex["labels"]
    idx = pixels.brush_strokes(truth, strokes_per_class=2, length=40, width=5, seed=0)
    assert idx.ndim == 1 and np.all(np.diff(idx) > 0)  # sorted flat indices, no repeats
    labelled = truth.ravel()[idx]
    counts = np.bincount(labelled, minlength=4)
    assert np.all(counts > 0), f"every class gets a stroke, got {counts}"
    # at most 2 strokes of 41 x 5 pixels per class (plus the round ends)
    assert np.all(counts <= 2 * 45 * 5), counts
    # strokes stay inside their region, away from the borders (unlike scattered clicks)
    painted = np.zeros(truth.size, bool)
    painted[idx] = True
    painted = painted.reshape(truth.shape)
    for k in range(4):
        distance = ndi.distance_transform_edt(truth == k)
        assert distance[painted & (truth == k)].min() >= 2, f"a stroke of class {k} touches a border"
        _, n_pieces = ndi.label(painted & (truth == k))
        assert 1 <= n_pieces <= 2, f"class {k}: {n_pieces} separate strokes, expected 1 or 2"


def test_brush_strokes_are_reproducible(tex):
    truth = tex["labels"]
    a = pixels.brush_strokes(truth, seed=3)
    assert np.array_equal(a, pixels.brush_strokes(truth, seed=3))
    assert not np.array_equal(a, pixels.brush_strokes(truth, seed=4))
    more = pixels.brush_strokes(truth, strokes_per_class=4, seed=3)
    assert len(more) > len(a)


# ------------------------------------------------------------------------------------------
# drawings
# ------------------------------------------------------------------------------------------
class _Halves:
    """A stand-in model: class 0 left of x = 0.1, class 2 right of it."""

    def predict(self, X):
        return np.where(np.asarray(X)[:, 0] < 0.1, 0, 2)


def test_drawings_run_and_draw_what_they_say(tex):
    fig, axes = plt.subplots(2, 4)
    pixels.plot_regions(axes[0, 0], _Halves(), np.array([[0.05, 0.0], [0.2, 1.0]]),
                        np.array([0, 2]), "regions")
    assert len(axes[0, 0].images) == 1 and axes[0, 0].get_title() == "regions"
    shown = pixels.show_classes(axes[0, 1], tex["labels"], "truth")
    assert shown.get_clim() == (0, 3)
    pixels.show_annotation(axes[0, 2], tex["image"], [0, 5, 400], tex["labels"], "labels")
    assert len(axes[0, 2].collections) == 1
    pixels.draw_unet(axes[0, 3])
    assert len(axes[0, 3].patches) == 9  # 5 levels, the bottom one drawn once
    weights = np.random.default_rng(0).normal(size=(81, 3))
    pixels.show_weights(axes[1], weights, 9)
    assert [len(ax.images) for ax in axes[1]] == [1, 1, 1, 0]
    assert axes[1, 0].images[0].get_array().shape == (9, 9)
    plt.close(fig)


def test_class_colours_and_handles():
    assert len(pixels.CLASS_COLORS) == 4
    handles = pixels.class_handles(["a", "b"])
    assert [h.get_label() for h in handles] == ["a", "b"]
    assert pixels.class_cmap().N == 4


def test_scattered_labels_by_count():
    idx = pixels.scattered_labels((10, 10), count=7, seed=1)
    assert len(idx) == 7 and len(np.unique(idx)) == 7
    with pytest.raises(ValueError, match="either"):
        pixels.scattered_labels((10, 10), 0.5, count=3)


def test_unet_has_the_published_31_million_parameters():
    layers = pixels.unet_layers()
    assert len(layers) == 10 + 4 * 3 + 1  # 2 convs x 5 levels, 3 per decoder level, 1x1 output
    n_params = sum(k * k * ci * co + co for k, ci, co, _ in layers)
    assert 30e6 < n_params < 32e6  # Ronneberger et al. (2015): about 31 million
    assert layers[0] == (3, 1, 64, 512) and layers[-1] == (1, 64, 2, 512)
