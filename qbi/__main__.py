"""Command line of the course helpers: ``python -m qbi COMMAND [options]``.

Commands (each lives in the module of the same job and exposes ``main(argv)``):

  data       list / describe / generate the course datasets     (qbi.data)
  doctor     check that this computer is ready for the course   (qbi.doctor)
  exercises  generate student exercises from the solutions      (qbi.exercises)
  grade      grade submitted exercises into a CSV               (qbi.grading)
  handouts   print lecture and exercise pages to PDF            (qbi.handouts)
  slides     build the reveal.js decks of the lectures          (qbi.slides)
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "data": ("qbi.data", "list, describe or generate the course datasets"),
    "doctor": ("qbi.doctor", "check that this computer is ready for the course"),
    "exercises": ("qbi.exercises", "generate student exercises from the solution notebooks"),
    "grade": ("qbi.grading", "grade submitted exercise notebooks"),
    "handouts": ("qbi.handouts", "print the lecture and exercise pages to PDF handouts"),
    "slides": ("qbi.slides", "build reveal.js slide decks from the lectures"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("usage: python -m qbi COMMAND [options]\n\ncommands:")
        for name, (_, text) in COMMANDS.items():
            print(f"  {name:<10} {text}")
        print("\n`python -m qbi COMMAND --help` explains a command.")
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        print(f"unknown command {cmd!r}; try: python -m qbi --help", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[cmd][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
