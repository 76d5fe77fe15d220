"""qbi.notebook.glue sends exactly what myst_nb.glue sends (so the book and the decks read it)."""

from __future__ import annotations

import numpy as np
import pytest

from qbi import notebook


@pytest.mark.parametrize("display", [False, True])
def test_glue_sends_what_myst_nb_glue_sends(monkeypatch, display):
    import IPython.display
    from myst_nb.ext import glue as myst_glue

    sent = {"ours": [], "myst": []}
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: sent["ours"].append((a, k)))
    monkeypatch.setattr(myst_glue, "ipy_display", lambda *a, **k: sent["myst"].append((a, k)))
    for name, value in [("miou", 0.5), ("n", 3), ("label", "strokes")]:
        notebook.glue(name, value, display=display)
        myst_glue.glue(name, value, display=display)
    assert sent["ours"] == sent["myst"]


def test_numpy_scalars_are_glued_as_python_numbers(monkeypatch):
    import IPython.display

    sent = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: sent.append(a[0]))
    notebook.glue_numbers(miou=np.float32(0.5), n=np.int64(3), ok=np.bool_(True))
    assert [list(d.values())[0] for d in sent] == ["0.5", "3", "True"]
    with pytest.raises(TypeError):
        notebook.glue_numbers(table=[1, 2])
