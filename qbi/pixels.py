"""Pixel classification (week 6): features per pixel, simulated annotations, and the drawings.

>>> from qbi import pixels
>>> X = pixels.patches(image, 9)                        # one row of 81 grey values per pixel
>>> idx = pixels.scattered_labels(image.shape, 0.02, seed=42)   # 2 % of the pixels, anywhere
>>> idx = pixels.brush_strokes(truth, strokes_per_class=2, seed=0)  # thick lines in each class
>>> y = truth.ravel()[idx]                              # what the annotator tells us

Annotations are *flat* pixel indices (into ``image.ravel()``), so the same ``idx`` selects rows of
any feature table with one row per pixel.  The drawing helpers (``plot_regions``, ``draw_unet``,
``show_weights``, ``show_classes``) keep the lecture's plotting cells short.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from qbi.plotting import BLUE, GREEN, ORANGE, PURPLE

CLASS_COLORS = (BLUE, ORANGE, GREEN, PURPLE)  # Okabe-Ito: one colour per class 0-3


def class_cmap(n: int = 4):
    """A colormap with one Okabe-Ito colour per class 0..n-1 (use with ``vmin=0, vmax=n-1``)."""
    from matplotlib.colors import ListedColormap

    return ListedColormap(list(CLASS_COLORS[:n]))


def class_handles(names, colors=CLASS_COLORS):
    """Legend handles (coloured squares), one per class name."""
    from matplotlib.patches import Patch

    return [Patch(color=c, label=str(n)) for n, c in zip(names, colors)]


from .notebook import GLUE_PREFIX  # noqa: E402,F401
from .notebook import glue_numbers as glue  # noqa: E402,F401  (glue(miou=0.95): one call, many values)


# --------------------------------------------------------------------------------------------
# Features per pixel
# --------------------------------------------------------------------------------------------
def patches(image, size: int = 9) -> np.ndarray:
    """The raw grey values of the ``size`` x ``size`` window around every pixel.

    Returns an array of shape ``(rows * cols, size * size)``: row ``i`` is the window centred on
    pixel ``i`` of ``image.ravel()``, read row by row.  The image is mirrored at its border
    (``mode="reflect"``), so every pixel has a full window.
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"patches needs a 2D image, got shape {image.shape}")
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be odd and positive (the window has a centre), got {size}")
    r = size // 2
    padded = np.pad(image, r, mode="reflect")
    return sliding_window_view(padded, (size, size)).reshape(image.size, size * size).copy()


def position(shape) -> np.ndarray:
    """The row and the column of every pixel, as an array of shape ``(rows, cols, 2)``."""
    return np.stack(np.mgrid[0:shape[0], 0:shape[1]], axis=-1).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Simulated annotations
# --------------------------------------------------------------------------------------------
def scattered_labels(shape, fraction: float | None = None, seed: int = 0, *,
                     count: int | None = None) -> np.ndarray:
    """Flat indices of pixels drawn uniformly at random, without repetition: an annotator who
    clicks single pixels anywhere in the image.

    Give either ``fraction`` (``int(fraction * n_pixels)`` clicks) or ``count``.  The same as
    ``np.random.default_rng(seed).choice(n_pixels, size, replace=False)``.
    """
    n = int(np.prod(shape))
    if (fraction is None) == (count is None):
        raise ValueError("give either fraction or count")
    size = int(count) if count is not None else int(fraction * n)
    if not 0 < size <= n:
        raise ValueError(f"{size} labels asked of an image of {n} pixels")
    return np.random.default_rng(seed).choice(n, size=size, replace=False)


def brush_strokes(labels, strokes_per_class: int = 2, length: int = 40, width: int = 5,
                  seed: int = 0, tries: int = 8) -> np.ndarray:
    """Flat indices of the pixels under simulated brush strokes, sorted.

    An annotator in ilastik or Labkit paints a few thick lines *inside* each material instead of
    clicking pixels all over the image.  For every class we draw ``strokes_per_class`` straight
    strokes, at most ``length`` pixels long and ``width`` pixels thick, through random points well
    inside that class (at least ``width`` pixels from its border); of ``tries`` random directions
    the one that stays longest in the region is drawn.  A stroke stops where it would leave the
    region it started in, so every painted pixel carries its true class: the labels are correct,
    only *where* they are differs from scattered clicks.
    """
    from scipy import ndimage as ndi

    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    painted = np.zeros(labels.shape, bool)
    disk = _disk(width // 2)
    for k in np.unique(labels):
        inside = labels == k
        core = ndi.binary_erosion(inside, _disk(width), border_value=0)
        if not core.any():  # a thin region: paint wherever the class is
            core = inside
        regions, _ = ndi.label(core)
        rows, cols = np.nonzero(core)
        for _ in range(strokes_per_class):
            i = rng.integers(len(rows))
            r0, c0 = int(rows[i]), int(cols[i])
            # like a person, follow the region: of a few random directions take the longest line
            strokes = [_stroke(regions, r0, c0, angle, length)
                       for angle in rng.uniform(0, np.pi, size=tries)]
            best = max(strokes, key=np.count_nonzero)
            painted |= ndi.binary_dilation(best, disk) & inside
    return np.flatnonzero(painted)


def _stroke(regions, r0: int, c0: int, angle: float, length: int) -> np.ndarray:
    """A one-pixel line through (r0, c0) at ``angle``, cut where it leaves the start region."""
    from skimage.draw import line

    stroke = np.zeros(regions.shape, bool)
    for sign in (1, -1):  # two halves, each drawn from the start point outwards
        r1 = int(round(r0 + sign * np.sin(angle) * length / 2))
        c1 = int(round(c0 + sign * np.cos(angle) * length / 2))
        rr, cc = line(r0, c0, r1, c1)
        on = (rr >= 0) & (rr < regions.shape[0]) & (cc >= 0) & (cc < regions.shape[1])
        same = np.zeros(len(rr), bool)
        same[on] = regions[rr[on], cc[on]] == regions[r0, c0]
        n = int(np.argmin(same)) if not same.all() else len(same)  # stop at the first exit
        stroke[rr[:n], cc[:n]] = True
    return stroke


def _disk(radius: int) -> np.ndarray:
    r = max(int(radius), 0)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= r * r


def unet_layers(size: int = 512, in_ch: int = 1, n_classes: int = 2,
                chans=(64, 128, 256, 512, 1024)) -> list[tuple[int, int, int, int]]:
    """Every convolution of the original U-Net (Ronneberger et al. 2015, with padding):
    ``(kernel size, channels in, channels out, output side)``, encoder, decoder, 1x1 output."""
    layers, c = [], in_ch
    for lvl, ch in enumerate(chans):  # contracting path: two 3x3 convs per level
        layers += [(3, c, ch, size >> lvl), (3, ch, ch, size >> lvl)]
        c = ch
    for lvl in range(len(chans) - 2, -1, -1):  # expanding path: up-conv, then two 3x3 convs
        ch, side = chans[lvl], size >> lvl
        layers += [(2, c, ch, side), (3, 2 * ch, ch, side), (3, ch, ch, side)]
        c = ch
    return layers + [(1, c, n_classes, size)]  # 1x1 conv: one score per class


# --------------------------------------------------------------------------------------------
# Drawings
# --------------------------------------------------------------------------------------------
def show_classes(ax, classes, title: str = "", n: int = 4):
    """Draw a class map (values 0..n-1) in the class colours, without axes; returns the artist."""
    shown = ax.imshow(np.asarray(classes), cmap=class_cmap(n), vmin=0, vmax=n - 1,
                      interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
    return shown


def show_annotation(ax, image, idx, labels, title: str = "", size: float = 4):
    """The grey image with the labelled pixels ``idx`` (flat indices) as dots in their class
    colour."""
    image = np.asarray(image)
    rows, cols = np.unravel_index(np.asarray(idx), image.shape)
    colours = np.array(CLASS_COLORS)[np.asarray(labels).ravel()[np.asarray(idx)]]
    ax.imshow(image, cmap="gray")
    ax.scatter(cols, rows, c=list(colours), s=size, linewidths=0)
    ax.set_title(title)
    ax.set_axis_off()


def plot_regions(ax, model, X, y, title: str = "", xlim=(0, 0.25), ylim=(-3, 3), steps: int = 200):
    """Colour a two-feature plane by ``model.predict`` and overlay the labelled samples ``X, y``.

    ``model`` is fitted on two columns; ``xlim``/``ylim`` give the plane that is shown.
    """
    xx, yy = np.meshgrid(np.linspace(*xlim, steps), np.linspace(*ylim, steps))
    zz = model.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    ax.imshow(zz, origin="lower", extent=(*xlim, *ylim), aspect="auto", cmap=class_cmap(),
              vmin=0, vmax=3, alpha=0.45, interpolation="nearest")
    ax.scatter(*np.asarray(X).T, c=list(np.array(CLASS_COLORS)[np.asarray(y)]), s=4)
    ax.set(title=title, xlim=xlim, ylim=ylim)


def show_weights(axes, weights, size: int, title_prefix: str = "unit"):
    """Draw the input weights of hidden units as ``size`` x ``size`` images, one per axis.

    ``weights`` is a first-layer weight matrix of shape ``(size * size, n_units)`` (scikit-learn's
    ``MLPClassifier.coefs_[0]``).  Each image has its own symmetric grey scale: black negative,
    mid-grey zero, white positive.
    """
    weights = np.asarray(weights)
    for j, ax in enumerate(np.ravel(axes)):
        if j >= weights.shape[1]:
            ax.set_axis_off()
            continue
        w = weights[:, j].reshape(size, size)
        lim = float(np.abs(w).max()) or 1.0
        ax.imshow(w, cmap="gray", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(f"{title_prefix} {j}", fontsize=12)
        ax.set_axis_off()


def draw_unet(ax, chans=(64, 128, 256, 512, 1024), size: int = 512,
              colors=(BLUE, ORANGE)):
    """Schematic U-Net: one box per level on the contracting (left) and expanding (right) path,
    arrows for pooling and up-convolution, dashed arrows for the skip connections."""
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.lines import Line2D

    arrow = dict(arrowstyle="->", color="0.2")
    last = 2 * (len(chans) - 1)
    for lvl, ch in enumerate(chans):
        for x in sorted({lvl, last - lvl}):
            encoder_side = x <= len(chans) - 1
            colour = colors[0] if encoder_side else colors[1]
            txt = "white" if encoder_side else "k"
            ax.add_patch(Rectangle((x - 0.42, -lvl - 0.3), 0.84, 0.6, color=colour))
            ax.text(x, -lvl, f"{ch} ch\n{size >> lvl}x{size >> lvl}", ha="center",
                    va="center", fontsize=12, color=txt)
        if lvl < len(chans) - 1:
            ax.annotate("", (lvl + 0.6, -lvl - 0.8), (lvl + 0.2, -lvl - 0.3),
                        arrowprops=arrow)  # max-pool
            ax.annotate("", (last - 0.2 - lvl, -lvl - 0.3), (last - 0.6 - lvl, -lvl - 0.8),
                        arrowprops=arrow)  # up-convolution
            ax.annotate("", (last - 0.45 - lvl, -lvl), (lvl + 0.45, -lvl),
                        arrowprops=dict(arrowstyle="->", ls="--", color="0.5"))  # skip
    ax.set(xlim=(-0.6, last + 0.6), ylim=(-len(chans) + 0.5, 0.6))
    ax.set_axis_off()
    ax.legend(handles=[Patch(color=colors[0], label="encoder: 2 convs, then max-pool"),
                       Patch(color=colors[1], label="decoder: up-conv, concatenate, 2 convs"),
                       Line2D([], [], ls="--", color="0.5", label="skip connection (copy)")],
              loc="lower left", fontsize=12)
