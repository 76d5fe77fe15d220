"""A graded class as an instructor needs it: who is who, files an LMS imports, a report to look at.

Used by ``python -m qbi grade`` (:mod:`qbi.grading`) after every submission is graded:

* :func:`find_submissions` takes files and folders as they come from the LMS (folders are searched
  recursively; JupyterLab's checkpoints are skipped);
* :func:`identify` names the student of every file from its path: Moodle's "Download all
  submissions" puts each student's files in a folder ``Full Name_123456_assignsubmission_file_``,
  Canvas prefixes each file with ``lastnamefirstname_12345_67890_``; otherwise the file's stem
  (and its folder, when two stems are equal).  Two submissions never share an identifier;
* a roster (CSV with a column ``id`` and optionally ``name`` and ``email``) adds names and e-mail
  addresses and a row "no submission" (0 points) for every student who handed in nothing;
* :func:`write_lms_files` writes Moodle's grading worksheet and Canvas's gradebook import;
* :func:`write_report` writes ``report.html``: the distribution of totals, each question's mean
  score and share of full marks, the questions most often left blank, and the submissions that
  timed out, crashed or were refused.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_\w*?_?$")
CANVAS_FILE = re.compile(r"^(?P<login>[a-z0-9-]+?)(?:_LATE)?_(?P<id>\d+)_(?P<sub>\d+)_.+\.ipynb$")


@dataclass
class Student:
    id: str            # the identifier (Moodle participant id, Canvas user id, or the file stem)
    name: str = ""     # as far as the path or the roster tells
    email: str = ""
    source: str = ""   # "moodle", "canvas", "file", "roster"


def find_submissions(args: list[Path]) -> list[Path]:
    """Every notebook named or inside a named folder (recursively), each once, in a stable order."""
    found: list[Path] = []
    for arg in args:
        if arg.is_dir():
            found += sorted(p for p in arg.rglob("*.ipynb")
                            if p.is_file() and ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(arg)
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _common_root(paths: list[Path]) -> Path:
    parents = [p.resolve().parent for p in paths]
    root = parents[0]
    while not all(p == root or root in p.parents for p in parents):
        root = root.parent
    return root


def identify(paths: list[Path]) -> list[Student]:
    """One :class:`Student` per path, in order; identifiers are unique."""
    students = []
    for p in paths:
        moodle = next((MOODLE_FOLDER.match(part) for part in reversed(p.parent.parts)
                       if MOODLE_FOLDER.match(part)), None)
        canvas = CANVAS_FILE.match(p.name)
        if moodle:
            students.append(Student(moodle["id"], moodle["name"].strip(), source="moodle"))
        elif canvas:
            students.append(Student(canvas["id"], canvas["login"], source="canvas"))
        else:
            students.append(Student(p.stem, source="file"))
    if paths:
        root = _common_root(paths)
        counts: dict[str, int] = {}
        for s in students:
            counts[s.id] = counts.get(s.id, 0) + 1
        for s, p in zip(students, paths):
            if counts[s.id] > 1:   # e.g. every Moodle file is called like the exercise
                rel = p.resolve().relative_to(root).with_suffix("")
                s.id = f"{s.id}:{rel.as_posix()}" if s.source != "file" else rel.as_posix()
        seen: dict[str, int] = {}
        for s in students:          # still equal (the same file twice under two names): number them
            n = seen.get(s.id, 0)
            seen[s.id] = n + 1
            if n:
                s.id = f"{s.id}#{n + 1}"
    return students


def read_roster(path: Path) -> list[Student]:
    """Students from a CSV with a column ``id`` (also ``ID``, ``identifier``, ``student``), and
    optionally ``name`` and ``email``."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return []
    keys = {k.lower().strip(): k for k in rows[0]}
    id_key = next((keys[k] for k in ("id", "identifier", "student", "id number") if k in keys), None)
    if id_key is None:
        raise ValueError(f"{path}: the roster needs a column 'id' (found {list(rows[0])})")
    name_key = next((keys[k] for k in ("name", "full name") if k in keys), None)
    mail_key = next((keys[k] for k in ("email", "email address", "e-mail") if k in keys), None)
    return [Student(str(r[id_key]).strip(), (r.get(name_key) or "").strip() if name_key else "",
                    (r.get(mail_key) or "").strip() if mail_key else "", "roster")
            for r in rows if str(r.get(id_key, "")).strip()]


def merge_roster(students: list[Student], roster: list[Student]) -> tuple[list[Student], list[Student]]:
    """Names and e-mails from the roster for the students who submitted; the roster's students
    without a submission (returned second).  A submission is matched by its identifier's first part
    (``123456`` of ``123456:folder/file``)."""
    by_id = {r.id: r for r in roster}
    matched = set()
    for s in students:
        r = by_id.get(s.id.split(":")[0].split("#")[0])
        if r is not None:
            matched.add(r.id)
            s.name = r.name or s.name
            s.email = r.email or s.email
    return students, [r for r in roster if r.id not in matched]


def _moodle_id(student: Student) -> str:
    return f"Participant {student.id.split(':')[0]}" if student.source in ("moodle", "roster") else student.id


def write_lms_files(out: Path, rows: list[dict], questions: list[str], week: str, max_total: float) -> list[Path]:
    """Moodle's grading worksheet and Canvas's gradebook import, next to ``out``."""
    moodle = out.with_name(f"{out.stem}-moodle.csv")
    with moodle.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"])
        for r in rows:
            w.writerow([r["moodle_id"], r["name"], r["email"], f"{r['total']:g}", f"{max_total:g}",
                        r["message"]])
    canvas = out.with_name(f"{out.stem}-canvas.csv")
    with canvas.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"Exercise {week}"])
        w.writerow(["    Points Possible", "", "", "", "", f"{max_total:g}"])
        for r in rows:
            w.writerow([r["name"] or r["student"], r["student"].split(":")[0].split("#")[0], "", "", "",
                        f"{r['total']:g}"])
    return [moodle, canvas]


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _blank_questions(message: str) -> list[str]:
    match = re.search(r"not answered: ([\w, ]+)", message)
    return [q.strip() for q in match.group(1).split(",")] if match else []


def class_summary(rows: list[dict], questions: list[str], points: dict[str, float]) -> dict:
    """The numbers of the report: per question mean, share of full marks, blanks; problem rows."""
    graded = [r for r in rows if r["graded"]]
    per_q = {}
    for q in questions:
        scores = [r["scores"].get(q, 0.0) for r in graded]
        per_q[q] = {"mean": sum(scores) / len(scores) if scores else 0.0,
                    "full": sum(s >= points[q] for s in scores) / len(scores) if scores else 0.0,
                    "blank": sum(q in _blank_questions(r["message"]) for r in graded),
                    "points": points[q]}
    problems = [r for r in rows if not r["graded"] or re.search(
        r"time limit|killed|ended the grading process|blocked:|no submission", r["message"])]
    return {"n": len(rows), "graded": len(graded), "totals": [r["total"] for r in rows],
            "questions": per_q, "problems": problems}


def write_report(out: Path, rows: list[dict], questions: list[str], points: dict[str, float],
                 week: str) -> Path:
    """``report.html`` next to ``out``: figures and tables an instructor reads in a minute."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plotting import BLUE, ORANGE, VERMILION

    summary = class_summary(rows, questions, points)
    max_total = sum(points.values())
    figs = []
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(summary["totals"], bins=min(20, max(5, len(rows) // 3)), range=(0, max_total), color=BLUE)
    ax.set(xlabel=f"total points (of {max_total:g})", ylabel="submissions",
           title=f"Week {week}: totals of {summary['n']} rows")
    figs.append(("Distribution of totals", _png(fig),
                 f"Histogram of the totals of {summary['n']} rows between 0 and {max_total:g} points."))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = range(len(questions))
    ax.bar([i - 0.2 for i in x], [summary["questions"][q]["mean"] / points[q] for q in questions], 0.4,
           color=BLUE, label="mean score (share of the points)")
    ax.bar([i + 0.2 for i in x], [summary["questions"][q]["full"] for q in questions], 0.4,
           color=ORANGE, label="share with full marks")
    ax.set_xticks(list(x), questions)
    ax.set(ylim=(0, 1.05), ylabel="share", title="Per question: who got it")
    ax.legend(loc="lower left", fontsize=8)
    figs.append(("Per question", _png(fig),
                 "Bars per question: mean score as a share of its points, and the share of graded "
                 "submissions with full marks."))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.bar(list(x), [summary["questions"][q]["blank"] for q in questions], color=VERMILION)
    ax.set_xticks(list(x), questions)
    ax.set(ylabel="submissions", title="Left blank (still ...)")
    figs.append(("Questions left blank", _png(fig),
                 "Bars per question: how many graded submissions left the answer blank."))
    plt.close(fig)

    table = "".join(
        f"<tr><td>{q}</td><td>{points[q]:g}</td><td>{s['mean']:.2f}</td><td>{s['full']:.0%}</td>"
        f"<td>{s['blank']}</td></tr>" for q, s in summary["questions"].items())
    problems = "".join(
        f"<tr><td>{html.escape(r['student'])}</td><td>{html.escape(r['submission'])}</td>"
        f"<td>{html.escape(r['message'])}</td></tr>" for r in summary["problems"]) or \
        '<tr><td colspan="3">none</td></tr>'
    hardest = sorted(questions, key=lambda q: summary["questions"][q]["full"])[:3]
    body = [f"<h1>Week {week}: class report</h1>",
            f"<p>{summary['n']} rows, {summary['graded']} graded. The questions fewest students "
            f"solved fully: {', '.join(hardest)} (look at their wording and their tests first).</p>"]
    for title, data, alt in figs:
        body.append(f'<h2>{title}</h2><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">')
    body.append("<h2>Per question</h2><table><thead><tr><th scope='col'>question</th><th scope='col'>points</th>"
                "<th scope='col'>mean</th><th scope='col'>full marks</th><th scope='col'>blank</th></tr></thead>"
                f"<tbody>{table}</tbody></table>")
    body.append("<h2>Timed out, crashed, refused or missing</h2><table><thead><tr><th scope='col'>student</th>"
                f"<th scope='col'>file</th><th scope='col'>why</th></tr></thead><tbody>{problems}</tbody></table>")
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Week {week}: class report</title><style>body{{font-family:sans-serif;max-width:60em;"
            "margin:2em auto}}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;"
            "text-align:left}img{max-width:100%}</style></head><body>" + "\n".join(body) + "</body></html>")
    report = out.with_name(f"{out.stem}-report.html")
    report.write_text(page, encoding="utf-8")
    return report
