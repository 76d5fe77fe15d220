"""Solution pages read as worked examples: a Sphinx extension that hides the generator's markup.

The solution notebooks are otter-grader *assign* sources (see :mod:`qbi.exercises`): their answer
cells carry markers (``# SOLUTION``, ``# BEGIN SOLUTION NO PROMPT`` ... ``# END SOLUTION``) and the
student's prompt as an inert string (``\"\"\" # BEGIN PROMPT`` ... ``\"\"\" # END PROMPT``).  The
notebook must keep them (they are what generates the exercise), but on the book's page they are
noise.  For every page under ``solutions/`` this extension rewrites the displayed code: the prompt
strings and marker lines go, ``# SOLUTION`` suffixes go, and ``# HIDDEN`` becomes a plain comment.
The executed code is not touched (the page shows the outputs of the real cells).

Enabled in ``_config.yml``: ``sphinx: extra_extensions: [qbi.solution_pages]``.
"""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"\s*# SOLUTION( NO PROMPT)?\s*$")
_MARKER_LINE = re.compile(r"^\s*# (BEGIN SOLUTION( NO PROMPT)?|END SOLUTION)\s*$")


def worked_example(source: str) -> str:
    """The code of a solution cell as a worked example (no assign-format markup)."""
    out, prompt = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith('"""') and stripped.endswith("# BEGIN PROMPT"):
            prompt = True
            continue
        if prompt:
            if stripped.startswith('"""') and stripped.endswith("# END PROMPT"):
                prompt = False
            continue
        if _MARKER_LINE.match(line):
            continue
        if stripped == "# HIDDEN" or stripped.startswith("# HIDDEN "):
            line = line.replace("# HIDDEN", "# hidden test: run at grading time only", 1)
        out.append(_SUFFIX.sub("", line))
    return "\n".join(out).strip("\n")


def _rewrite(app, doctree) -> None:
    from docutils import nodes

    docname = app.env.docname
    if not docname.startswith("solutions/"):
        return
    for block in list(doctree.findall(nodes.literal_block)):
        text = block.astext()
        if not any(m in text for m in ("# SOLUTION", "# BEGIN", "# END SOLUTION", "# HIDDEN")):
            continue
        clean = worked_example(text)
        block.children = [nodes.Text(clean)]
        block.rawsource = clean


def setup(app):
    app.connect("doctree-read", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
