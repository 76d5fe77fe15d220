"""Build one reveal.js slide deck per lecture notebook into the built site.

``python -m qbi slides`` turns every ``lectures/NN-slug.ipynb`` (or the lectures named on the
command line) into ``_build/html/slides/NN-slug.html``, from the notebook as the book build
executed it (read from the book's jupyter-cache, so the figures on the slides are the figures
on the book page), and adds an "Open the slides" link to the lecture's built page.

The decks are nbconvert ``--to slides`` pages with a course template: a generated title slide
(course, week, title), readable code, figures sized for a 16:9 projector, speaker notes (press
``S``), and reveal.js, MathJax 2, require.js and jQuery served from the site's ``_static/``
(copied from npm by ``tools/vendor.sh``): no CDN, the decks work offline.

The authoring conventions (which cells are slides, sub-slides, fragments, notes, skipped) are in
CONTRIBUTING.md; ``python -m qbi slides --check`` reports every cell that breaks them.

Usage::

    python -m qbi slides                       # all lectures, after `make book`
    python -m qbi slides 01                    # one lecture (number, slug, stem or path)
    python -m qbi slides --check               # only check the authoring conventions
    python -m qbi slides --execute --out DIR   # without a book build: execute the notebooks
    python -m qbi slides --pdf 01              # also print the deck to a PDF next to it

Exit status: 0 when every deck was written (and, with --check, no convention is broken),
1 when a lecture failed or breaks a convention, 2 for a usage error (e.g. no book build).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import json
import html
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

COURSE = "Quantitative Big Imaging"
INSTITUTION = "ETH Zurich 227-0966-00L"

# The authoring conventions (CONTRIBUTING.md), also enforced by tests/test_slides.py.
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "notes", "skip")
SHOWN = {"slide", "subslide", "fragment", "-"}
MAX_CODE_LINES = 8         # lines of a code cell shown on a slide (the few that carry the idea)
MAX_LINE_CHARS = 88        # characters per line of a code cell shown on a slide
MAX_FIGSIZE = (10.0, 5.0)  # inches (width, height) of a figure
MIN_SLIDES, MAX_SLIDES = 15, 100

# Deck geometry: 16:9, the size every slide is laid out at before reveal.js scales it.
WIDTH, HEIGHT = 1280, 720

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
MARKER = "<!-- qbi-slides-link -->"


# --------------------------------------------------------------------------------------
# Finding lectures and their executed notebooks
# --------------------------------------------------------------------------------------

def book_lectures(root: Path) -> list[Path]:
    """The lectures the book builds: ``lectures/*`` entries of ``_toc.yml`` that exist (all
    of ``lectures/*.ipynb`` when there is no table of contents)."""
    toc = root / "_toc.yml"
    if not toc.exists():
        return sorted((root / "lectures").glob("[0-9]*.ipynb"))
    files = re.findall(r"^\s*-?\s*file:\s*[\"']?(lectures/[\w.-]+)", toc.read_text(), re.M)
    paths = [root / f"{f.removesuffix('.ipynb')}.ipynb" for f in files]
    return sorted({p for p in paths if p.exists()})


def lecture_paths(root: Path, names: list[str] | None = None) -> list[Path]:
    """The lecture notebooks: those of the book (see book_lectures) or those named (by
    number, slug, stem or path, among all of ``lectures/*.ipynb``)."""
    if not names:
        return book_lectures(root)
    all_nbs = sorted((root / "lectures").glob("[0-9]*.ipynb"))
    out = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and (path.exists() or (root / path).exists()):
            out.append((path if path.exists() else root / path).resolve())
            continue
        hits = [p for p in all_nbs if p.stem == name or p.stem.split("-", 1)[0] == name.zfill(2)
                or p.stem.split("-", 1)[-1] == name]
        if len(hits) != 1:
            raise SystemExit(f"slides: no single lecture matches {name!r} "
                             f"(lectures: {', '.join(p.stem for p in all_nbs) or 'none'})")
        out.append(hits[0])
    return out


def week_of(path: Path) -> int | None:
    match = re.match(r"(\d+)", path.stem)
    return int(match.group(1)) if match else None


def read_config(root: Path) -> dict:
    try:
        import yaml

        return yaml.safe_load((root / "_config.yml").read_text()) or {}
    except (OSError, ImportError):
        return {}


def cached_notebook(path: Path, cache_dir: Path):
    """The executed notebook from the book's jupyter-cache, or None when it is not there
    (the book was not built, or the notebook's code changed since)."""
    import nbformat

    if not (cache_dir / "global.db").exists():   # get_cache() would create an empty cache
        return None
    from jupyter_cache import get_cache

    nb = nbformat.read(str(path), as_version=4)
    try:
        _, merged = get_cache(str(cache_dir)).merge_match_into_notebook(nb)
    except KeyError:
        return None
    return merged


def execute_notebook(path: Path, timeout: int):
    """Execute a notebook in its own folder (as the book build does) and return it."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name=nb.metadata.get("kernelspec", {}).get(
        "name", "python3"), resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


# --------------------------------------------------------------------------------------
# Authoring conventions
# --------------------------------------------------------------------------------------

def slide_type(cell) -> str | None:
    return (cell.get("metadata", {}).get("slideshow") or {}).get("slide_type")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _headings(source: str) -> list[tuple[int, str]]:
    """ATX headings (level, text) of a markdown cell, outside fenced code."""
    out, fence = [], None
    for line in source.splitlines():
        match = re.match(r"\s{0,3}(`{3,}|~{3,}|:{3,})", line)
        if match:
            mark = match.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark):]:
                fence = None
            continue
        if fence is None:
            h = re.match(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if h:
                out.append((len(h.group(1)), h.group(2)))
    return out


def _figsizes(source: str) -> list[tuple[float, float]]:
    """Literal ``figsize=(w, h)`` values in a code cell."""
    out = []
    for match in re.finditer(r"figsize\s*=\s*(\([^()]*\)|\[[^\[\]]*\])", source):
        try:
            value = ast.literal_eval(match.group(1))
            out.append((float(value[0]), float(value[1])))
        except (ValueError, SyntaxError, TypeError, IndexError):
            continue
    return out


def _has_image(cell) -> bool:
    return any(mime.startswith("image/") for out in cell.get("outputs", [])
               for mime in out.get("data", {}))


def _has_widget(cell) -> bool:
    return any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))


def check_conventions(nb) -> list[str]:
    """Every way the notebook breaks the authoring conventions of CONTRIBUTING.md, one
    message per problem naming the cell (``cell 7``, counted from 0).  Checks that need
    outputs (alt text of figures, widgets) apply when the notebook is executed."""
    problems = []
    h1_cells = []
    for i, cell in enumerate(nb.cells):
        where = f"cell {i} ({cell.cell_type})"
        kind = slide_type(cell)
        if kind is None:
            problems.append(f"{where}: no slide type (metadata.slideshow.slide_type)")
        elif kind not in SLIDE_TYPES:
            problems.append(f"{where}: unknown slide type {kind!r}")
        if cell.cell_type == "markdown":
            heads = _headings(cell.source)
            if any(level == 1 for level, _ in heads):
                h1_cells.append(i)
            if heads and kind not in ("notes", "skip"):
                top = heads[0][0]
                if top == 2 and kind != "slide":
                    problems.append(f"{where}: starts a section (##) but is {kind!r}, not 'slide'")
                if top == 3 and kind not in ("slide", "subslide"):
                    problems.append(f"{where}: starts a subsection (###) but is {kind!r}, "
                                    "not 'subslide'")
                if len([h for h in heads if h[0] in (2, 3)]) > 1:
                    problems.append(f"{where}: more than one ##/### heading in one cell "
                                    "(one slide per cell that starts with a heading)")
        if cell.cell_type == "code":
            hidden_input = {"remove-input", "hide-input", "remove-cell"} & set(tags(cell))
            if kind in SHOWN and not hidden_input:
                lines = cell.source.rstrip("\n").splitlines()
                if len(lines) > MAX_CODE_LINES:
                    problems.append(f"{where}: {len(lines)} lines of code on a slide "
                                    f"(at most {MAX_CODE_LINES}; make it 'skip' or split it)")
                long = [n + 1 for n, line in enumerate(lines) if len(line) > MAX_LINE_CHARS]
                if long:
                    problems.append(f"{where}: line(s) {long} longer than {MAX_LINE_CHARS} "
                                    "characters")
            for w, h in _figsizes(cell.source):
                if w > MAX_FIGSIZE[0] or h > MAX_FIGSIZE[1]:
                    problems.append(f"{where}: figsize=({w:g}, {h:g}) is larger than "
                                    f"{MAX_FIGSIZE[0]:g} x {MAX_FIGSIZE[1]:g} inches")
            removed = {"remove-output", "remove-cell", "hide-output"} & set(tags(cell))
            if re.search(r"\binteract(?:_manual)?\(", cell.source) and kind != "skip":
                problems.append(f"{where}: builds a widget but is {kind!r}: make it 'skip' "
                                "(a deck cannot show the control; present it live in "
                                "JupyterLab, book/presenting.md)")
            if _has_widget(cell) and not removed:
                problems.append(f"{where}: shows a widget; tag the cell remove-output "
                                "(the site and the decks cannot run widgets)")
            if _has_image(cell) and not removed and kind != "skip":
                alt = ((cell.metadata.get("mystnb") or {}).get("image") or {}).get("alt")
                if not alt:
                    problems.append(f"{where}: a figure without alt text "
                                    "(metadata.mystnb.image.alt)")
    if len(h1_cells) != 1:
        problems.append(f"notebook: {len(h1_cells)} cells with an H1 heading (#), expected "
                        f"exactly one, the first cell (found in cells {h1_cells})")
    elif h1_cells[0] != 0 or slide_type(nb.cells[0]) != "slide":
        problems.append("notebook: the H1 heading must be in the first cell, of type 'slide'")
    return problems


# --------------------------------------------------------------------------------------
# From MyST-flavoured notebook to plain notebook markdown
# --------------------------------------------------------------------------------------

ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention",
               "danger", "error", "seealso", "admonition", "margin", "sidebar", "dropdown",
               "exercise", "solution", "topic", "epigraph", "pull-quote"}
_FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*?)\s*$")
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def _directive_options(body: list[str]) -> tuple[dict, list[str]]:
    options, i = {}, 0
    if body and body[0].strip() == "---":          # YAML block options
        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
        if end is not None:
            for line in body[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = value.strip()
            return options, body[end + 1:]
    while i < len(body) and re.match(r"^\s*:[\w-]+:", body[i]):
        key, _, value = body[i].strip()[1:].partition(":")
        options[key] = value.strip()
        i += 1
    return options, body[i:]


def myst_to_markdown(source: str) -> str:
    """Rewrite the MyST syntax of a markdown cell that nbconvert's renderer does not know:
    directives (admonitions, math, figures, code), roles (``{math}`x` `` becomes ``$x$``,
    cross-references become their text), target labels ``(name)=`` and equation labels."""
    lines, out, i = source.splitlines(), [], 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not match:
            line = lines[i]
            if not re.match(r"^\s*\([\w.:-]+\)=\s*$", line):          # (label)= targets
                out.append(re.sub(r"(\$\$)\s*\([\w.:-]+\)\s*$", r"\1", line))
            i += 1
            continue
        indent, fence, name, arg = match.groups()
        end = i + 1
        while end < len(lines):                       # the closing fence: as long or longer
            close = lines[end].strip()
            if close and set(close) == {fence[0]} and len(close) >= len(fence):
                break
            end += 1
        options, body = _directive_options(lines[i + 1:end])
        inner = myst_to_markdown("\n".join(body))
        name = name.split(":")[-1]
        if name in ADMONITIONS:
            title = arg or ("" if name in ("margin", "sidebar") else name.capitalize())
            if name == "seealso":
                title = "See also"
            title_html = (f'<p class="admonition-title">{_md_html(_roles(title), inline=True)}</p>'
                          if title else "")
            out += [f'<div class="admonition {name}">{title_html}{_md_html(inner)}</div>', ""]
        elif name == "math":
            out += ["$$", inner, "$$"]
        elif name in ("figure", "image"):
            alt = options.get("alt", "")
            out += [f"![{alt}]({arg})", ""]
            if inner.strip():
                out += [f'<div class="caption">{_md_html(inner)}</div>', ""]
        elif name in ("code", "code-block", "sourcecode", "code-cell"):
            out += [f"```{arg}", "\n".join(body), "```"]
        elif name in ("toctree", "glue:figure", "bibliography", "tableofcontents"):
            pass
        else:
            out.append(inner)
        i = end + 1
    return _roles("\n".join(out))


def _md_html(text: str, inline: bool = False) -> str:
    """Markdown to HTML as one raw HTML block (no blank line ends it early)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(text).strip()
    if inline and rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return re.sub(r"\n[ \t]*(?=\n)", "\n<!-- -->", rendered)


def _roles(text: str) -> str:
    def repl(match):
        role, content = match.groups()
        if role == "math":
            return f"${content}$"
        title = re.match(r"^(.*?)\s*<([^<>]*)>$", content, re.S)
        if title and title.group(1):
            return title.group(1)
        target = title.group(2) if title else content
        if role in ("doc", "download"):
            return target.rstrip("/").split("/")[-1]
        return target.lstrip("~!")

    return _ROLE.sub(repl, text)


# --------------------------------------------------------------------------------------
# Preparing an executed notebook for the deck
# --------------------------------------------------------------------------------------

@dataclass
class Lecture:
    path: Path
    stem: str
    week: int | None
    title: str


def clean_title(h1: str) -> str:
    """The lecture title from its H1: "Week 3: Image enhancement" -> "Image enhancement" (the
    title slide says the week)."""
    return re.sub(r"^(week|lecture)\s*\d+\s*[:.\u2013\u2014-]\s*", "", h1.strip(),
                  flags=re.I) or h1.strip()


def _strip_outputs(cell, stream_names=()):
    keep = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") in stream_names:
            continue
        data = out.get("data")
        if data is not None and WIDGET_MIME in data:
            continue                       # a widget needs a live kernel: never on a slide
        keep.append(out)
    # as on the book page (nb_merge_streams): one stream per name, progress bars ("\r") show
    # only their final state
    from myst_nb.core.utils import coalesce_streams

    cell.outputs = coalesce_streams(keep)


def titled(cells: list) -> list:
    """Every slide has a title: a slide that starts without a heading (a figure, a code cell)
    gets the heading of the slide it continues, as "Title (continued)"."""
    import nbformat

    out, last = [], ""
    for cell in cells:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        heads = _headings(cell.source) if cell.cell_type == "markdown" else []
        starts_with_heading = cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")
        if kind in ("slide", "subslide") and not starts_with_heading and last:
            title = last if last.endswith("(continued)") else f"{last} (continued)"
            head = nbformat.v4.new_markdown_cell(f"### {title}")
            head.metadata["slideshow"] = {"slide_type": kind}
            out.append(head)
            cell.metadata["slideshow"]["slide_type"] = "-"
        if heads and heads[0][0] >= 2:
            last = re.sub(r"\s*\(continued\)$", "", heads[0][1])
        out.append(cell)
    return out


_GLUE = re.compile(r"\{glue(?::(?:text|any)?)?\}`([^`:]+)(?::([^`]*))?`")


def glue_values(nb) -> dict:
    """The values a notebook glues (MyST-NB ``glue("name", value)``), as text, by name.

    Glue outputs are hidden on the book page; they are removed from the deck's cells here too
    (the ``{glue}`` roles in the markdown show the values instead).
    """
    values = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                kept.append(out)
                continue
            data = out.get("data", {})    # myst-nb stores application/papermill.record/text/plain
            plain = next((k for k in data if k.endswith("text/plain")), None)
            values[name] = data[plain] if plain else ""
        cell["outputs"] = kept
    return values


def substitute_glue(source: str, values: dict) -> str:
    """Replace ``{glue}`name```, ``{glue:text}`name:.2f``` by the glued value (as the book does)."""
    def repl(match):
        name, spec = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        text = values[name]
        if spec:
            try:
                import ast

                plain = re.sub(r"^np\.\w+\((.*)\)$", r"\1", text)  # np.float64(0.5) -> 0.5
                return format(ast.literal_eval(plain), spec)
            except (ValueError, SyntaxError, TypeError):
                return text
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        return text

    return _GLUE.sub(repl, source)


def prepare(nb, path: Path, course: str = COURSE, institution: str = INSTITUTION,
            breaks=()):
    """A copy of the executed notebook ready for nbconvert, and the lecture's facts.

    * cells tagged ``remove-cell`` are dropped; ``remove-input``/``hide-input`` drop the code,
      ``remove-output``/``hide-output`` the outputs, ``remove-stderr``/``remove-stdout`` streams;
      widget outputs are always dropped (they need a kernel);
    * a cell without slide type continues the slide (``-``);
    * MyST syntax is rewritten for nbconvert's markdown renderer;
    * the H1 of the first cell becomes the title slide (course, week, title, institution);
    * a cell whose id is in ``breaks`` starts a "(continued)" slide: where the browser layout
      (:mod:`qbi.deckfit`) found a slide too tall to show at full size.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)            # would load the widget manager from a CDN
    glued = glue_values(nb)
    cells = []
    for cell in nb.cells:
        t = set(tags(cell))
        if "remove-cell" in t:
            continue
        meta = cell.setdefault("metadata", {})
        show = meta.setdefault("slideshow", {})
        show.setdefault("slide_type", "-")
        if cell.get("id") in breaks and show["slide_type"] in ("-", "fragment"):
            show["slide_type"] = "subslide"
        if cell.cell_type == "code":
            if t & {"remove-output", "hide-output"}:
                cell.outputs = []
            _strip_outputs(cell, [n for n in ("stderr", "stdout") if f"remove-{n}" in t])
            if t & {"remove-input", "hide-input"}:
                meta["qbi_no_input"] = True
                if not cell.outputs:
                    continue
        elif cell.cell_type == "markdown":
            cell.source = myst_to_markdown(substitute_glue(cell.source, glued))
        cells.append(cell)
    nb.cells = titled(cells)

    week = week_of(path)
    title = path.stem
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    title_cell = None
    if first is not None:
        match = re.search(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", first.source, re.M)
        if match:
            title = clean_title(match.group(1))
            title_cell = first
            first.source = (first.source[:match.start()] + first.source[match.end():]).strip()
    lecture = Lecture(path=path, stem=path.stem, week=week, title=_roles(title))

    import nbformat

    subtitle = ""
    rest = title_cell.source.strip() if title_cell is not None else ""
    # "*Quantitative Big Imaging* (ETH Zurich ...): noise, filters": the slide names the course
    prefix = r"^[*_]{0,2}" + re.escape(course) + r"[*_]{0,2}\s*(\([^)]*\))?\s*[:.,\u2013\u2014-]\s*"
    short = re.sub(prefix, "", rest, flags=re.I)
    if short != rest and short:
        opened = re.match(r"^[*_]+", rest)
        if opened and not re.match(r"^[*_]{1,2}" + re.escape(course) + r"[*_]", rest, flags=re.I):
            # "*Course: the subtitle.*": the emphasis opened before the course name closes here
            short = short.rstrip("*_").rstrip()
        rest = short[0].upper() + short[1:]
    if rest and len(rest) <= 240 and "\n\n" not in rest and not re.match(r"[-*+#>|`<]|\d+\.", rest):
        subtitle = f'<p class="qbi-subtitle">{_md_html(rest, inline=True)}</p>\n'
        title_cell.source = ""             # a one-line introduction: the title slide's subtitle
    week_html = f'<p class="qbi-week">Week {week}</p>\n' if week is not None else ""
    banner = (f'<div class="qbi-title">\n<p class="qbi-course">{html.escape(course)}</p>\n'
              f'{week_html}<h1>{html.escape(lecture.title)}</h1>\n{subtitle}'
              f'<p class="qbi-institution">{html.escape(institution)}</p>\n'
              f'<p class="qbi-book-link"><a href="../lectures/{path.stem}.html">'
              f'the lecture in the course book</a> &middot; press <kbd>S</kbd> for speaker '
              f'notes, <kbd>?</kbd> for help</p>\n</div>')
    title_slide = nbformat.v4.new_markdown_cell(banner)
    title_slide.metadata["slideshow"] = {"slide_type": "slide"}
    title_slide.metadata["qbi_title"] = True
    if nb.get("nbformat_minor", 0) < 5:
        title_slide.pop("id", None)            # cell ids exist from nbformat 4.5 on
    if title_cell is not None and not title_cell.source.strip():
        nb.cells.remove(title_cell)        # the H1 cell was only the heading
    elif title_cell is not None and slide_type(title_cell) in SHOWN:
        # the rest of the first cell (an introduction) gets its own slide after the title
        title_cell.metadata["slideshow"]["slide_type"] = "slide"
    nb.cells.insert(0, title_slide)
    return nb, lecture


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------

CSS = """
html .reveal { font-size: 30px; }
html .reveal .slides { text-align: left; }
html .reveal .slides section { height: 100%; box-sizing: border-box; padding: 0 8px;
  overflow-y: auto; overflow-x: hidden; }
html .reveal .slides > section.stack { overflow: visible; padding: 0; }
html .reveal h1 { font-size: 1.9em; }
html .reveal h2 { font-size: 1.45em; margin-bottom: 0.4em; }
html .reveal h3 { font-size: 1.2em; margin-bottom: 0.4em; }
html .reveal h1, html .reveal h2, html .reveal h3 { text-transform: none; line-height: 1.15; }
html .reveal p, html .reveal li { line-height: 1.3; }
html .reveal ul, html .reveal ol { display: block; margin-left: 1.2em; }
html .reveal .jp-RenderedHTMLCommon { font-size: 30px; line-height: 1.3; padding-right: 0; }
html .reveal .jp-RenderedHTMLCommon p { margin-bottom: 0.5em; }
html .reveal .jp-RenderedHTMLCommon code { font-size: 0.85em; }
html .reveal .jp-RenderedHTMLCommon table { font-size: 22px; }
/* code: no prompts, 20px monospace: 88 characters fit the slide without scrolling */
html .reveal .jp-InputPrompt, html .reveal .jp-OutputPrompt { display: none; }
html .reveal .jp-Cell { padding: 2px 0; }
html .reveal .jp-CodeCell .jp-Cell-inputWrapper { margin: 6px 0; }
html .reveal div.highlight > pre, html .reveal .jp-InputArea-editor pre {
  font-size: 20px; line-height: 1.3; white-space: pre; overflow-x: auto; padding: 6px 10px;
  background: #f5f5f5; border-radius: 4px; }
html .reveal .jp-InputArea-editor { border: none; background: transparent; }
html .reveal .jp-OutputArea-output pre { font-size: 18px; line-height: 1.25; white-space: pre-wrap;
  max-height: 260px; overflow-y: auto; }
/* figures: fit a 16:9 slide below a heading and a few lines */
html .reveal .jp-RenderedImage img, html .reveal .jp-RenderedSVG svg,
html .reveal .jp-RenderedMarkdown img {
  max-width: 100%; max-height: 470px; width: auto; height: auto; object-fit: contain;
  display: block; margin: 4px auto; }
html .reveal .jp-RenderedImage, html .reveal .jp-RenderedSVG { text-align: center; }
html .reveal .caption { font-size: 0.75em; text-align: center; color: #555; }
/* admonitions written with MyST directives */
html .reveal .admonition { border-left: 6px solid #1f77b4; background: #eef5fb;
  padding: 0.3em 0.7em; margin: 0.4em 0; font-size: 0.9em; }
html .reveal .admonition.warning, html .reveal .admonition.caution,
html .reveal .admonition.danger, html .reveal .admonition.error,
html .reveal .admonition.attention { border-color: #d95f02; background: #fdf1e7; }
html .reveal .admonition.tip, html .reveal .admonition.hint { border-color: #1b9e77;
  background: #e9f6f1; }
html .reveal .admonition-title { font-weight: bold; margin: 0.2em 0; }
/* the title slide */
html .reveal .qbi-title, html .reveal .qbi-title * { text-align: center; }
html .reveal .qbi-title { margin-top: 90px; }
html .reveal .qbi-title h1 { font-size: 58px; margin: 0.3em 0; color: #1f3b70; }
html .reveal .qbi-course { font-size: 34px; color: #555; margin: 0; letter-spacing: 0.04em; }
html .reveal .qbi-week { font-size: 30px; color: #555; margin: 0.2em 0; }
html .reveal .qbi-subtitle { font-size: 28px; color: #333; margin: 0.2em 3em; }
html .reveal .qbi-institution { font-size: 26px; color: #555; margin-top: 1.4em; }
html .reveal .qbi-book-link { font-size: 20px; color: #555; margin-top: 2em; }
html .reveal .qbi-book-link a { text-decoration: underline; }
html .reveal .slide-number { background-color: #444; color: #fff; }
html .reveal kbd { font-size: 0.9em; border: 1px solid #aaa; border-radius: 3px; padding: 0 4px; }
html .reveal aside.notes { display: none; }
/* ?print-pdf: one page per slide, and no blank page at the end */
html.print-pdf .reveal .slides section { overflow: visible; }
html.print-pdf .reveal .slides .pdf-page:last-of-type {
  page-break-after: avoid !important; break-after: avoid !important; }
"""

TEMPLATE = r"""{%- extends 'index.html.j2' -%}

{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}

{%- block html_head_js_mathjax -%}
<script>
// MathJax 2 (nbconvert's reveal template speaks MathJax 2), served from the site.  Fonts are
// not matched to the (possibly hidden) surrounding text: same size on every slide.
window.MathJax = {
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  CommonHTML: {matchFontHeight: false, scale: 100, linebreaks: {automatic: true}},
  displayAlign: "center", messageStyle: "none", showMathMenu: false,
  AuthorInit: function () {
    MathJax.Hub.Register.StartupHook("End", function () {
      document.documentElement.setAttribute("data-qbi-math", "typeset");
    });
  }
};
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}

{%- block html_head_css -%}
<link rel="icon" href="data:,">
<style type="text/css">{{ resources.qbi_css }}</style>
{%- endblock html_head_css -%}

{%- block input_group -%}
{%- if not cell.metadata.get('qbi_no_input') -%}{{ super() }}{%- endif -%}
{%- endblock input_group -%}

{% block data_png scoped %}
{%- set alt = ((cell.metadata.get('mystnb') or {}).get('image') or {}).get('alt', '') -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ alt | escape_html }}">
</div>
{%- endblock data_png %}

{% block data_jpg scoped %}
{%- set alt = ((cell.metadata.get('mystnb') or {}).get('image') or {}).get('alt', '') -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/jpeg;base64,{{ output.data['image/jpeg'] | escape_html }}" alt="{{ alt | escape_html }}">
</div>
{%- endblock data_jpg %}

{% block footer_js %}
<script>
require({waitSeconds: 30},
  ["{{ resources.reveal.url_prefix }}/dist/reveal.js",
   "{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"],
  function (Reveal, RevealNotes) {
    Reveal.initialize({
      controls: true, progress: true, history: true, hash: true, center: false,
      slideNumber: "c/t", transition: "fade", transitionSpeed: "fast",
      // right arrow, space and a clicker's PageDown step through every slide in order,
      // the vertical "(continued)" ones included
      navigationMode: "linear",
      width: {{ resources.reveal.width }}, height: {{ resources.reveal.height }},
      margin: 0.04, plugins: [RevealNotes],
      pdfSeparateFragments: false, pdfMaxPagesPerSlide: 1
    });
    window.Reveal = Reveal;
    // A slide a little taller than the screen first gives its figures less height (down to
    // 300 px), then is shrunk to fit (down to 70 %; the build's layout check fails a deck with
    // a slide below 90 %, see qbi/deckfit.py).
    function need(slide) {
      var bottom = 0;
      for (var i = 0; i < slide.children.length; i++) {   // where the content ends
        var child = slide.children[i];
        if (child.offsetParent === slide) bottom = Math.max(bottom, child.offsetTop + child.offsetHeight);
      }
      var room = Reveal.getConfig().height;
      return Math.max(bottom, slide.scrollHeight > room + 2 ? slide.scrollHeight : 0);
    }
    function fit(slide) {
      if (!slide || slide.classList.contains("stack") || slide.dataset.qbiFit) return;
      var room = Reveal.getConfig().height, over = need(slide) - room;
      var figures = slide.querySelectorAll(".jp-OutputArea-output img");
      if (over > 2 && figures.length) {
        var cut = over / figures.length;
        figures.forEach(function (img) {
          var h = img.getBoundingClientRect().height / Reveal.getScale();
          img.style.maxHeight = Math.max(300, Math.min(470, h) - cut) + "px";
        });
      }
      var total = need(slide);
      var zoom = total > room + 2 ? Math.max(0.7, room / total) : 1;
      slide.dataset.qbiFit = zoom.toFixed(3);
      if (zoom < 1) slide.style.zoom = zoom;   // CSS zoom: the box stays 100 % high
    }
    Reveal.on("ready", function (event) {
      if (Reveal.isPrintingPDF()) {
        document.querySelectorAll(".reveal .slides section:not(.stack)").forEach(fit);
      } else {
        fit(event.currentSlide);
      }
    });
    Reveal.on("slidechanged", function (event) { fit(event.currentSlide); });
  });
</script>
{% endblock footer_js %}
"""


def deck_key(nb, path: Path, static_prefix: str) -> str:
    """What a deck depends on: the executed notebook, this module's code, the asset path.
    A deck whose key is unchanged is not rendered again."""
    import hashlib

    import nbformat

    h = hashlib.sha256()
    code = [Path(__file__).read_text(encoding="utf-8"),
            (Path(__file__).parent / "deckfit.py").read_text(encoding="utf-8")]
    for part in (nbformat.writes(nb), *code, static_prefix, path.name):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def make_exporter(static_prefix: str):
    """nbconvert's SlidesExporter with the course template and every asset from the site."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_loaders=[DictLoader({"qbi_slides.html.j2": TEMPLATE})],
        template_file="qbi_slides.html.j2",
        reveal_url_prefix=f"{static_prefix}/reveal.js",
        reveal_theme="white",
        reveal_transition="fade",
        reveal_number="c/t",
        reveal_width=str(WIDTH),
        reveal_height=str(HEIGHT),
        require_js_url=f"{static_prefix}/require.js",
        jquery_url=f"{static_prefix}/jquery.min.js",
        mathjax_url=f"{static_prefix}/mathjax2/MathJax.js?config=TeX-AMS_CHTML",
        mermaid_js_url="",
        font_awesome_url="",
        jupyter_widgets_base_url="",
        embed_images=True,       # images of markdown cells (![](figures/x.png)) go inline
        exclude_anchor_links=True,
    )
    return exporter


def render(nb, lecture: Lecture, static_prefix: str) -> str:
    exporter = make_exporter(static_prefix)
    resources = {"metadata": {"name": f"{lecture.title}", "path": str(lecture.path.parent)},
                 "qbi_css": CSS}
    nb.metadata["title"] = f"{COURSE}, week {lecture.week}: {lecture.title}" \
        if lecture.week is not None else lecture.title
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # nbconvert's print-pdf snippet adds an empty <link>; reveal.js 4 prints without it
    body = body.replace("document.getElementsByTagName( 'head' )[0].appendChild( link );",
                        "/* reveal.js 4 has its own print style */")
    return body


def count_slides(deck_html: str) -> int:
    """Slides of a deck: the sections that hold content (sub-slides count one each)."""
    count, has_child = 0, []               # one entry per open <section>
    for tag in re.finditer(r"<(/?)section\b", deck_html):
        if tag.group(1) == "":
            if has_child:
                has_child[-1] = True
            has_child.append(False)
        elif has_child and not has_child.pop():
            count += 1
    return count


def add_page_link(page: Path, deck_href: str) -> bool:
    """Put a visible "Open the slides" link under the H1 of a built lecture page (once)."""
    text = page.read_text(encoding="utf-8")
    if MARKER in text:
        return False
    start = text.find('<article class="bd-article"')
    end_h1 = text.find("</h1>", max(start, 0))
    if end_h1 < 0:
        return False
    link = (f'{MARKER}<p class="qbi-slides-link" style="margin:0.4em 0 1.2em;padding:0.4em 0.8em;'
            'border-left:4px solid #1f77b4;background:rgba(31,119,180,0.08)">'
            f'<a class="reference external" href="{html.escape(deck_href)}">'
            '<strong>Open the slides</strong></a> of this lecture (reveal.js; '
            'press <kbd>F</kbd> for full screen, <kbd>S</kbd> for speaker notes).</p>')
    pos = end_h1 + len("</h1>")
    page.write_text(text[:pos] + link + text[pos:], encoding="utf-8")
    return True


def write_index(out: Path) -> Path:
    """slides/index.html: every deck in the folder, with its title and number of slides."""
    rows = []
    for deck in sorted(out.glob("[0-9]*.html")):
        text = deck.read_text(encoding="utf-8")
        match = re.search(r"<title>(.*?)</title>", text, re.S)
        title = match.group(1).strip() if match else deck.stem
        title = re.sub(r"\s+slides$", "", title)
        rows.append(f'<li><a href="{deck.name}">{title}</a> ({count_slides(text)} slides)</li>')
    rows = "\n".join(rows)
    index = out / "index.html"
    index.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{COURSE}: slides</title></head>\n<body style=\"font-family:sans-serif;"
        f"max-width:50em;margin:2em auto\">\n<h1>{COURSE}: lecture slides</h1>\n<ul>\n{rows}\n"
        '</ul>\n<p><a href="../index.html">The course book</a></p>\n</body></html>\n',
        encoding="utf-8")
    return index


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------

BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
            "/Applications/Chromium.app/Contents/MacOS/Chromium",
            r"C:\Program Files\Google\Chrome\Application\chrome.exe")


def find_browser() -> str | None:
    """An installed Chromium or Chrome (QBI_CHROMIUM overrides); never a downloaded one."""
    import shutil

    candidates = [os.environ.get("QBI_CHROMIUM", "")]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser",
                                                    "google-chrome")]
    candidates += list(BROWSERS)
    return next((c for c in candidates if c and Path(c).exists()), None)


def print_pdf(deck: Path, pdf: Path, browser: str | None = None, chrome=None) -> int:
    """Print a deck to PDF, one 16:9 page per slide (reveal.js ``?print-pdf`` layout), once
    its math is typeset and its fonts are loaded.  Returns the number of pages.  ``chrome``:
    a playwright browser that is already open (the layout pass's), else one is started."""
    if chrome is not None:
        _print_with(chrome, deck, pdf)
        return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    from playwright.sync_api import sync_playwright

    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError("no Chromium or Chrome found: install one (Debian: apt-get install "
                           "chromium) or set QBI_CHROMIUM, or print from the browser "
                           "(see book/presenting.md)")
    args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")                 # Chromium refuses to run as root without
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=browser, args=args)
        try:
            _print_with(chrome, deck, pdf)
        finally:
            chrome.close()
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


def _print_with(chrome, deck: Path, pdf: Path) -> None:
    page = chrome.new_page()
    try:
        page.goto(deck.resolve().as_uri() + "?print-pdf", wait_until="load")
        page.wait_for_function("window.Reveal && Reveal.isReady && Reveal.isReady()",
                               timeout=30000)
        page.wait_for_function("document.documentElement.dataset.qbiMath === 'typeset'",
                               timeout=60000)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    finally:
        page.close()


class _LazyBrowser:
    """Chromium, started the first time a deck needs it: a rebuild that keeps every deck starts
    no browser at all."""

    def __init__(self, browser: str):
        self.browser, self._pw, self._chrome = browser, None, None

    def get(self):
        if self._chrome is None:
            from playwright.sync_api import sync_playwright

            from . import deckfit

            self._pw = sync_playwright().start()
            self._chrome = deckfit._launch(self._pw, self.browser)
        return self._chrome

    def close(self):
        if self._chrome is not None:
            self._chrome.close()
        if self._pw is not None:
            self._pw.stop()


@contextlib.contextmanager
def browser_session(wanted: bool = True):
    """A headless Chromium for the layout pass, started when first needed (None when not
    wanted or not installed)."""
    browser = find_browser() if wanted else None
    if wanted and browser is None:
        print("slides: warning: no Chromium found: the decks' layout is not checked "
              "(install Debian's chromium; `make book` does it)", file=sys.stderr)
    if browser is None:
        yield None
        return
    lazy = _LazyBrowser(browser)
    try:
        yield lazy
    finally:
        lazy.close()


def build_deck(nb, path: Path, deck: Path, static_prefix: str, chrome=None,
               rounds: int = 4) -> tuple[str, Lecture, dict | None]:
    """Render a deck; with a browser, lay it out, split every slide too tall to show at 90 %
    between two of its cells (a "(continued)" slide), and report what still does not fit."""
    from . import deckfit

    breaks: list[str] = []
    for attempt in range(rounds):
        prepared, lecture = prepare(nb, path, breaks=set(breaks))
        body = render(prepared, lecture, static_prefix)
        deck.write_text(body, encoding="utf-8")
        if chrome is None:
            return body, lecture, None
        measured = deckfit.measure(deck, chrome)
        more = [b for b in deckfit.plan_breaks(measured) if b not in breaks]
        if not more or attempt == rounds - 1:
            break
        breaks += more
    stats = deckfit.stats(measured, MAX_CODE_LINES)
    stats["breaks"] = len(breaks)
    return body, lecture, {"stats": stats, "breaks": breaks,
                           "problems": deckfit.problems(measured, MAX_CODE_LINES),
                           "slides": [s.__dict__ for s in measured]}


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qbi slides",
        description="Build the reveal.js slide decks of the lectures into the built site.")
    parser.add_argument("lectures", nargs="*",
                        help="lectures to build: number (01), slug, stem or path "
                             "(default: the lectures listed in _toc.yml)")
    parser.add_argument("--root", type=Path, default=Path.cwd(),
                        help="the book's root folder (default: the current folder)")
    parser.add_argument("--html", type=Path, default=None,
                        help="the built site (default: ROOT/_build/html)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the decks go (default: the site's slides/ folder)")
    parser.add_argument("--execute", action="store_true",
                        help="execute a notebook that is not in the book's cache "
                             "(instead of failing)")
    parser.add_argument("--check", action="store_true",
                        help="only check the authoring conventions; build nothing")
    parser.add_argument("--pdf", action="store_true",
                        help="also print each deck to NN-slug.pdf next to it (needs Chromium "
                             "or Chrome)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="decks built at the same time (default: up to 2)")
    parser.add_argument("--no-layout", action="store_true",
                        help="do not lay the decks out in Chromium (no split of overfull "
                             "slides, no check of the slides' fit)")
    parser.add_argument("--no-link", action="store_true",
                        help="do not add the 'Open the slides' link to the lecture pages")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    html_dir = (args.html or root / "_build" / "html").resolve()
    out = (args.out or html_dir / "slides").resolve()
    config = read_config(root)
    execute_cfg = config.get("execute") or {}
    cache_dir = root / execute_cfg.get("cache", "_build/.jupyter_cache")
    timeout = int(execute_cfg.get("timeout", 120))
    paths = lecture_paths(root, args.lectures)
    if not paths:
        print(f"slides: no lecture notebooks in {root / 'lectures'}", file=sys.stderr)
        return 1 if args.lectures else 0

    if args.check:
        import nbformat

        bad = 0
        for path in paths:
            nb = cached_notebook(path, cache_dir) or nbformat.read(str(path), as_version=4)
            problems = check_conventions(nb)
            bad += bool(problems)
            status = "ok" if not problems else f"{len(problems)} problem(s)"
            print(f"slides: {path.relative_to(root) if path.is_relative_to(root) else path}: "
                  f"{status}")
            for problem in problems:
                print(f"  {problem}")
        return 1 if bad else 0

    if not args.execute and not (cache_dir / "global.db").exists():
        print(f"slides: the book is not built (no execution cache at {cache_dir}).\n"
              "  Run `make book` first, or pass --execute to run the notebooks here.",
              file=sys.stderr)
        return 2
    static = html_dir / "_static"
    if not (static / "reveal.js").exists() and (root / "_vendor" / "reveal.js").exists():
        static = root / "_vendor"          # no built site: use the checkout's copy of the assets
    if not (static / "reveal.js").exists():
        print(f"slides: warning: {static}/reveal.js is missing: the decks will not load "
              "(run `bash tools/vendor.sh`, then build the book)", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    static_prefix = Path(os.path.relpath(static, out)).as_posix()

    # decks to render (their notebook or the deck code changed); kept decks need no worker
    wanted = not args.no_layout and find_browser() is not None
    stale = [path for path in paths if not _is_current(path, out, cache_dir, static_prefix, wanted)]
    jobs = max(1, min(args.jobs, len(stale)))
    common = (args, root, html_dir, out, cache_dir, timeout, static_prefix)
    if jobs == 1:
        results = [_build_one(path, *common) for path in paths]
    else:
        # decks are independent: lay them out `jobs` at a time, each worker with its own browser
        import concurrent.futures
        import multiprocessing

        with concurrent.futures.ProcessPoolExecutor(
                jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_build_one, paths, *[[c] * len(paths) for c in common]))
    failed, built = [], []
    for path, text, errors, done in results:
        sys.stdout.write(text)
        sys.stderr.write(errors)
        if done is None:
            failed.append(path)
        else:
            built.append(done[:2])
            if not done[2]:
                failed.append(path)
    if built:
        write_index(out)
    if failed:
        print(f"slides: FAILED for {', '.join(p.name for p in failed)}", file=sys.stderr)
        return 1
    return 0


def _is_current(path: Path, out: Path, cache_dir: Path, static_prefix: str, layout: bool) -> bool:
    """Whether the deck of ``path`` was built from its notebook's executed output as it is now,
    by this deck code (the deck's key file says so)."""
    stamp, deck = out / f".{path.stem}.key", out / f"{path.stem}.html"
    if not (stamp.exists() and deck.exists()):
        return False
    nb = cached_notebook(path, cache_dir)
    return nb is not None and stamp.read_text() == stamp_key(nb, path, static_prefix, layout)


def stamp_key(nb, path: Path, static_prefix: str, layout: bool) -> str:
    """What a deck's key file holds: its content key, marked when no layout pass checked it."""
    return deck_key(nb, path, static_prefix) + ("" if layout else "-unchecked")


def _build_one(path, args, root, html_dir, out, cache_dir, timeout, static_prefix):
    """Build one deck (in a worker process when decks are built in parallel).  Returns the
    path, what it printed to stdout and stderr, and (lecture, slides, ok) or None."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    text, errors = io.StringIO(), io.StringIO()
    with redirect_stdout(text), redirect_stderr(errors):
        with browser_session(not args.no_layout) as layout:
            failed, built = [], []
            _build_all(args, [path], root, html_dir, out, cache_dir, timeout, static_prefix,
                       layout, failed, built)
    done = (*built[0], path not in failed) if built else None
    return path, text.getvalue(), errors.getvalue(), done


def _build_all(args, paths, root, html_dir, out, cache_dir, timeout, static_prefix, layout,
               failed, built):
    for path in paths:
        start = time.perf_counter()
        nb = cached_notebook(path, cache_dir)
        source = "book cache"
        if nb is None:
            if not args.execute:
                print(f"slides: {path.name}: no executed notebook in the book's cache "
                      f"({cache_dir}); run `make book` (or pass --execute)", file=sys.stderr)
                failed.append(path)
                continue
            try:
                nb = execute_notebook(path, timeout)
            except Exception as exc:  # noqa: BLE001 - report any execution failure
                print(f"slides: {path.name}: execution failed: {exc}", file=sys.stderr)
                failed.append(path)
                continue
            source = "executed now"
        for problem in check_conventions(nb):
            print(f"slides: {path.name}: warning: {problem}", file=sys.stderr)
        deck = out / f"{path.stem}.html"
        key = stamp_key(nb, path, static_prefix, layout is not None)
        stamp = out / f".{path.stem}.key"
        fitted = out / f".{path.stem}.fit.json"
        if deck.exists() and stamp.exists() and stamp.read_text() == key:
            body = deck.read_text(encoding="utf-8")     # executed notebook and deck code unchanged
            source = "unchanged, kept"
            lecture = Lecture(path=path, stem=path.stem, week=week_of(path), title=path.stem)
            match = re.search(r'<div class="qbi-title">.*?<h1>(.*?)</h1>', body, re.S)
            if match:
                lecture.title = html.unescape(match.group(1))
            report = json.loads(fitted.read_text()) if fitted.exists() else None
        else:
            stamp.unlink(missing_ok=True)
            body, lecture, report = build_deck(nb, path, deck, static_prefix,
                                               layout.get() if layout else None)
            if report is not None:
                fitted.write_text(json.dumps(report, indent=1))
            stamp.write_text(key)
        if report is not None:
            layout_note = (f", {report['stats']['breaks']} split, "
                           f"smallest zoom {report['stats']['min_zoom']:.0%}")
            for problem in report["problems"]:
                print(f"slides: {path.name}: {problem}", file=sys.stderr)
            if report["problems"]:
                failed.append(path)
        else:
            layout_note = ", layout not checked"
        n = count_slides(body)
        built.append((lecture, n))
        linked = ""
        page = html_dir / "lectures" / f"{path.stem}.html"
        if not args.no_link and page.exists():
            href = Path(os.path.relpath(deck, page.parent)).as_posix()
            add_page_link(page, href)
            linked = f", linked from {page.relative_to(html_dir)}"
        shown = deck.relative_to(root) if deck.is_relative_to(root) else deck
        verb = "kept" if source == "unchanged, kept" else "wrote"
        source = "notebook and deck code unchanged" if verb == "kept" else source
        print(f"slides: {verb} {shown} ({n} slides{layout_note}, {source}, "
              f"{time.perf_counter() - start:.1f} s{linked})")
        if args.pdf:
            pdf = deck.with_suffix(".pdf")
            try:
                pages = print_pdf(deck, pdf, chrome=layout.get() if layout else None)
            except Exception as exc:  # noqa: BLE001 - a missing browser, a timeout
                print(f"slides: {path.name}: PDF failed: {exc}", file=sys.stderr)
                failed.append(path)
                continue
            print(f"slides: wrote {pdf.relative_to(root) if pdf.is_relative_to(root) else pdf} "
                  f"({pages} pages)")


if __name__ == "__main__":
    sys.exit(main())
