"""The environment files: pinned, and requirements.txt and environment.yml agree."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)==(\S+)$")


def _requirement_lines(lines):
    out = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def requirements():
    return _requirement_lines((ROOT / "requirements.txt").read_text().splitlines())


def conda_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return _requirement_lines(dep["pip"])
    raise AssertionError("environment.yml has no pip section")


def test_requirements_are_pinned():
    loose = [r for r in requirements() if r != "-e ." and not PIN.match(r)]
    assert not loose, f"requirements.txt lines without an exact == pin: {loose}"
    assert "-e ." in requirements(), "requirements.txt must install the course package (-e .)"


def test_environment_yml_matches_requirements():
    req, env = requirements(), conda_pip()
    norm = lambda items: sorted(i.lower().replace("_", "-") for i in items)  # noqa: E731
    assert norm(req) == norm(env), (
        "requirements.txt and environment.yml differ: "
        f"only in requirements.txt {sorted(set(norm(req)) - set(norm(env)))}, "
        f"only in environment.yml {sorted(set(norm(env)) - set(norm(req)))}")
    env_doc = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env_doc["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("python=3.11") for d in conda)
    assert "graphviz" in conda, "the conda environment must provide graphviz's dot"


def test_installed_versions_match_pins():
    from importlib import metadata

    wrong = []
    for line in requirements():
        m = PIN.match(line)
        if not m:
            continue
        name = m.group(1).split("[")[0]
        if metadata.version(name) != m.group(2):
            wrong.append(f"{name} {metadata.version(name)} != {m.group(2)}")
    assert not wrong, wrong


def test_doctor_passes_here_and_names_fixes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "qbi", "doctor"], capture_output=True, text=True,
                        cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Ready for Quantitative Big Imaging" in ok.stdout
    # a requirements file naming a package that is not installed: doctor says what to run
    fake = tmp_path / "requirements.txt"
    fake.write_text("numpy==0.0.1\nsurely-not-installed-qbi-pkg==1.0\n")
    bad = subprocess.run([sys.executable, "-m", "qbi", "doctor", "--requirements", str(fake)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    assert "surely-not-installed-qbi-pkg==1.0" in bad.stdout
    assert "pip install -r requirements.txt" in bad.stdout
    assert "numpy" in bad.stdout and "course uses 0.0.1" in bad.stdout


def test_doctor_reports_missing_dot(monkeypatch):
    from qbi import doctor

    monkeypatch.setenv("PATH", "/nonexistent")
    check = doctor.check_dot()
    assert not check.ok and "graphviz" in check.fix


def test_documented_python_is_the_one_the_pins_need(monkeypatch):
    """numpy 2.4, scipy 1.17, pandas 3.1 and scikit-image 0.26 need Python 3.11: the package, the
    setup guide and the doctor say so, and the doctor names the version on an older Python."""
    from collections import namedtuple

    from qbi import doctor

    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()
    assert "Python 3.11 or newer" in (ROOT / "book" / "setup.md").read_text()
    Version = namedtuple("Version", "major minor micro releaselevel serial")
    monkeypatch.setattr(doctor.sys, "version_info", Version(3, 10, 12, "final", 0))
    check = doctor.check_python()
    assert not check.ok and "3.11" in check.fix
