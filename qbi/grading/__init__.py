"""Check answers in a notebook, and grade a whole class: ``python -m qbi grade``.

Students: the exercise's first code cell creates ``grader = Checker("NN-slug.ipynb")``; the check
cell below each question, ``grader.check("q1")``, runs that question's *public* tests (stored in the
exercise's metadata) against the answers in the notebook and says in plain words which test
failed and why.  An answer that is still ``...`` is reported as "not answered yet", never as a
crash.  ``grader.check_all()`` shows the total of the public tests.

Instructors::

    python -m qbi grade --week 01 submissions/*.ipynb --out grades.csv [--timeout 60] [--jobs 2]

writes ``grades.csv`` (columns ``submission``, one per question, ``total``, ``max_total``,
``message``) and one readable feedback file per submission in ``grades/`` next to it.  The exit
status is 0 only when every submission was graded.

How a submission is graded (no Docker needed):

1. The file is read (never modified); invalid JSON, a file that is not a notebook, or a notebook
   of another week gets its row with the reason and is not run.
2. A temporary copy runs in a **separate Python process** (IPython, so magics work) in an empty
   temporary folder, with a time limit (``--timeout``: after it the running cell is stopped, later
   cells are skipped, and the answers computed so far still count; a process that does not stop
   is killed), capped output, a file-size and a memory limit.  An audit hook in that process
   refuses to write anywhere outside its folder, to read the course repository (solutions,
   tests, build) except the ``qbi`` package, the data and the Python environment, to read other
   submissions or the grades, to start programs or to signal other processes.  Every refused
   attempt is reported in the row.  (This stops the usual tricks; it is not a security boundary
   against a determined attacker with C code: for that, run the grader in a container.)
   To save Python's start and the libraries' imports per submission, a batch starts one fork
   server (Linux) that imports the modules the solution imports and runs no submission; each
   worker is forked from it and then set up exactly as above.  Without it (another system, or
   ``Options(fork_server=False)``) every worker is a process of its own.
3. That process writes the answers (the names the tests read) as plain data only: numbers,
   strings, numpy arrays, lists, tuples, sets, dicts; no pickles, no code.
4. The grader, in its own process, reads the public **and hidden** tests from the solution
   notebook (``solutions/NN-slug.ipynb``) and runs them on those values.  The submission never
   sees the hidden tests, the grader's code or its state, so whatever it does to them (e.g.
   monkeypatching ``qbi.grading``) only affects its own process.

The package, one module per job:

* :mod:`qbi.grading.transport` - what an answer may be, and how it travels as plain values;
* :mod:`qbi.grading.checks`    - running a question's tests, and the students' check cells;
* :mod:`qbi.grading.sandbox`   - the worker process that runs one submission under its guard;
* :mod:`qbi.grading.batch`     - the batch grader, its CSV and feedback files, the command line.

(:mod:`qbi.gradebook` names the students and writes the LMS imports and the class report.)
Everything other code imports is re-exported here: ``from qbi.grading import Checker``.
"""

from __future__ import annotations

from .batch import Grader, Options, Row, main, write_results
from .checks import GRADING_ENV, CheckReport, Checker, QuestionResult, TestResult, run_question
from .sandbox import _BOOT, REPO, _worker_main
from .transport import (MAX_ARRAY_BYTES, MAX_ITEMS, MISSING, NOT_ANSWERED, Unsupported, _decode,
                        _encode, answer_values, to_plain)

__all__ = ["CheckReport", "Checker", "GRADING_ENV", "Grader", "MAX_ARRAY_BYTES", "MAX_ITEMS", "MISSING",
           "NOT_ANSWERED", "Options", "QuestionResult", "REPO", "Row", "TestResult", "Unsupported",
           "answer_values", "main", "run_question", "to_plain", "write_results"]
