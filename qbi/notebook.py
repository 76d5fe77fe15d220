"""Quoting executed numbers in the text of a page: a light ``glue``.

``glue("n_found", 59)`` stores a value for the markdown, which quotes it with
``{glue:text}`n_found``` (or ``{glue:text}`dice:.3f```): the book (MyST-NB) and the decks
(:mod:`qbi.slides`) put the executed number into the sentence, so prose never contradicts output.

It sends exactly the display message of ``myst_nb.glue`` (a test compares them) without importing
myst_nb, whose first import (nbformat, jsonschema and a URL grammar) costs seconds per notebook.
numpy scalars become Python numbers first (they would print as ``np.float64(...)``).
"""

from __future__ import annotations

import numpy as np

GLUE_PREFIX = "application/papermill.record/"  # myst_nb.ext.glue.GLUE_PREFIX


def _plain(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def glue(name: str, value, display: bool = False) -> None:
    """Drop-in for ``myst_nb.glue(name, value, display)``."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    value = _plain(value)
    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata = dict(metadata, scrapbook=dict(name=name, mime_prefix=prefix))
    show({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def glue_numbers(**values) -> None:
    """``glue_numbers(dice=0.95, n=59)``: glue each value, not displayed, as a plain number or
    string."""
    for name, value in values.items():
        value = _plain(value)
        if not isinstance(value, (bool, int, float, str)):
            raise TypeError(f"glue {name!r}: a number or a string, not {type(value).__name__}")
        glue(name, value, display=False)
