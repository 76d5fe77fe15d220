"""``python -m qbi doctor``: is this computer ready for the course?

Checks, in order, and says in plain words what to fix:

1. the Python version;
2. every package pinned in ``requirements.txt`` is installed at that version;
3. graphviz's ``dot`` program is on the PATH (pydot and dask's ``.visualize()``);
4. a Jupyter kernel for this Python exists (what JupyterLab and the book use);
5. the course data can be generated, cached and verified.

Exit status 0 when nothing needs fixing (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

MIN_PYTHON = (3, 11)  # numpy 2.4, scipy 1.17, pandas 3.1, scikit-image 0.26 need 3.11
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # a problem that does not stop the course


def _pins(requirements: Path) -> list[tuple[str, str]]:
    """(name, version) of every ``name==version`` line; extras and comments dropped."""
    pins = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)", line)
        if m:
            pins.append((m.group(1), m.group(3)))
    return pins


def check_python() -> Check:
    v = sys.version_info
    ok = v[:2] >= MIN_PYTHON
    return Check("Python", ok, f"{v.major}.{v.minor}.{v.micro} at {sys.executable}",
                 "" if ok else f"install Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer (3.11 is tested), "
                 "then create the environment again (book/setup.md)")


def check_packages(requirements: Path) -> Check:
    if not requirements.exists():
        return Check("packages", False, f"{requirements} not found",
                     "run the doctor from a clone of the course repository")
    missing, wrong = [], []
    pins = _pins(requirements)
    for name, version in pins:
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(f"{name}=={version}")
            continue
        if have != version:
            wrong.append(f"{name} {have} (course uses {version})")
    if missing:
        detail = f"{len(missing)} of {len(pins)} missing: {', '.join(missing)}"
        if wrong:
            detail += f"; other versions than pinned: {', '.join(wrong)}"
        return Check("packages", False, detail,
                     f"activate the course environment, or run: pip install -r {requirements.name}")
    if wrong:
        return Check("packages", True, f"other versions than pinned: {', '.join(wrong)}",
                     f"usually fine; if a notebook fails, run: pip install -r {requirements.name}",
                     warning=True)
    return Check("packages", True, f"all {len(pins)} pinned packages at their versions")


def check_dot() -> Check:
    dot = shutil.which("dot")
    if not dot:
        return Check("graphviz", False, "the `dot` program is not on the PATH",
                     "install graphviz: conda install graphviz / apt install graphviz / "
                     "brew install graphviz / winget install graphviz (book/setup.md)")
    out = subprocess.run([dot, "-V"], capture_output=True, text=True)
    return Check("graphviz", out.returncode == 0, (out.stderr or out.stdout).strip() or dot,
                 "" if out.returncode == 0 else "reinstall graphviz: `dot -V` failed")


def check_kernel() -> Check:
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError:
        return Check("Jupyter kernel", False, "jupyter_client is not installed",
                     "pip install -r requirements.txt")
    specs = KernelSpecManager().find_kernel_specs()
    if "python3" not in specs:
        return Check("Jupyter kernel", False, f"no 'python3' kernel (found: {', '.join(specs) or 'none'})",
                     "run: python -m ipykernel install --user")
    return Check("Jupyter kernel", True, f"python3 kernel at {specs['python3']}")


def check_data() -> Check:
    import os

    from . import data

    old = os.environ.get("QBI_DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["QBI_DATA_DIR"] = tmp
        try:
            arrays = data.load("bone_slice")
            ok = data.verify("bone_slice") and int(arrays["n_lacunae"]) > 0
            detail = f"generated and verified a phantom ({arrays['image'].shape} pixels)"
        except Exception as err:  # report any failure in plain words
            ok, detail = False, f"{type(err).__name__}: {err}"
        finally:
            if old is None:
                os.environ.pop("QBI_DATA_DIR", None)
            else:
                os.environ["QBI_DATA_DIR"] = old
    cache = data.data_dir()
    return Check("course data", ok, f"{detail}; cache folder {cache}",
                 "" if ok else "reinstall the environment (pip install -r requirements.txt)")


def run_checks(requirements: Path) -> list[Check]:
    return [check_python(), check_packages(requirements), check_dot(), check_kernel(), check_data()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m qbi doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=REPO / "requirements.txt",
                        help="the requirements file to check against (default: the repository's)")
    args = parser.parse_args(argv)
    checks = run_checks(args.requirements)
    for c in checks:
        mark = "WARN" if c.warning else ("ok" if c.ok else "FIX")
        print(f"[{mark:>4}] {c.name}: {c.detail}")
        if c.fix and (not c.ok or c.warning):
            print(f"       -> {c.fix}")
    problems = [c for c in checks if not c.ok]
    print()
    if problems:
        print(f"{len(problems)} thing(s) to fix before the course notebooks will run (see -> above).")
        return 1
    print("Ready for Quantitative Big Imaging: all checks passed.")
    return 0
