"""The course's small plotting vocabulary: colours, label images, images with a title.

>>> from qbi.plotting import BLUE, ORANGE, show_image, show_labels
>>> fig, ax = plt.subplots()
>>> show_labels(ax, labels, "watershed: 40 grains")

Colours are Okabe-Ito's: distinguishable with every common colour-vision deficiency.
"""

from __future__ import annotations

import numpy as np

BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, BLACK = "#56B4E9", "#CC79A7", "#F0E442", "#000000"
OKABE = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, BLACK]


def label_cmap(n: int, seed: int = 0):
    """A colormap for a label image with labels 0..n: 0 (background) black, the others shuffled
    viridis colours, so that neighbouring labels (often consecutive numbers) differ."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    rng = np.random.default_rng(seed)
    n = max(int(n), 1)
    colours = plt.cm.viridis(np.linspace(0.1, 1.0, n))[rng.permutation(n)]
    return ListedColormap(np.vstack([[0, 0, 0, 1], colours]))


def show_labels(ax, labels, title: str = "", seed: int = 0):
    """Draw a label image, one colour per label, background black; returns the image artist."""
    top = max(int(np.max(labels)), 1)
    shown = ax.imshow(labels, cmap=label_cmap(top, seed), interpolation="nearest", vmin=0, vmax=top)
    ax.set_title(title)
    ax.axis("off")
    return shown


def show_image(ax, image, title: str = "", cmap: str = "gray", colorbar: bool = False, **kwargs):
    """Draw a grey image without axes, with a title (and a colour bar); returns the artist."""
    shown = ax.imshow(image, cmap=cmap, **kwargs)
    ax.set_title(title)
    ax.axis("off")
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    return shown


def significant(x, digits: int = 3) -> str:
    """``x`` to ``digits`` significant figures, whole digits always kept, thousands separated:
    0.012345 -> '0.0123', 3.14159 -> '3.14', 123456.7 -> '123,457', 7 -> '7', nan -> '-'."""
    import math

    if isinstance(x, (bool, np.bool_)) or x is None:
        return str(x)
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "-"                         # a missing value
    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return f"{x:,.{decimals}f}"


def show_table(df, fmt=None, text=(), digits: int = 3, precision: int | None = None):
    """A table for the page and the slides: no index, numbers to ``digits`` significant figures
    with thousands separators, text columns left-aligned.  ``fmt``: one format for every float
    column ("{:.1%}") or a format per column ({"error": "{:.1e}"}); ``text``: more columns to
    left-align; ``precision``: a fixed number of decimals for the float columns instead.
    Put units in the column names: "area (px)"."""
    numbers = {c: (lambda v, d=digits: significant(v, d)) for c in df.columns
               if df[c].dtype.kind in "fiu"}
    if precision is not None:
        numbers.update({c: f"{{:,.{precision}f}}" for c in df.columns if df[c].dtype.kind == "f"})
    if isinstance(fmt, str):
        numbers.update({c: fmt for c in df.columns if df[c].dtype.kind == "f"})
    elif fmt:
        numbers.update(fmt)
    left = [c for c in df.columns if df[c].dtype.kind not in "fiucmMb" or c in text]
    styler = df.style.hide(axis="index").format(numbers)
    if left:                               # text columns, their headers included
        styler = styler.set_table_styles(
            {c: [{"selector": sel, "props": "text-align: left"} for sel in ("td", "th")]
             for c in left}, overwrite=False)
    return styler
