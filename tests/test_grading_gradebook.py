"""The gradebook of a graded class (:mod:`qbi.gradebook`): submissions found as the LMS delivers
them, every student named once, a roster merged in.  The files it writes (LMS imports, report) are
tested on a graded class in ``test_grading_batch.py``."""

from __future__ import annotations

from qbi import gradebook


def test_two_files_with_one_name_get_two_identifiers(tmp_path):
    paths = [tmp_path / "a" / "ex.ipynb", tmp_path / "b" / "ex.ipynb", tmp_path / "ex2.ipynb"]
    ids = [s.id for s in gradebook.identify(paths)]
    assert len(set(ids)) == 3 and ids[2] == "ex2", ids


def test_moodle_and_canvas_names_give_the_students(tmp_path):
    paths = [tmp_path / "Ada Lovelace_123456_assignsubmission_file_" / "01-intro.ipynb",
             tmp_path / "hopperg_LATE_203_9001_01-intro.ipynb", tmp_path / "someone.ipynb"]
    students = gradebook.identify(paths)
    assert [(s.id, s.name, s.source) for s in students] == [
        ("123456", "Ada Lovelace", "moodle"), ("203", "hopperg", "canvas"), ("someone", "", "file")]


def test_submissions_are_found_once_without_checkpoints(tmp_path):
    folder = tmp_path / "Ada Lovelace_1_assignsubmission_file_"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    for p in (folder / "01-intro.ipynb", folder / ".ipynb_checkpoints" / "01-intro.ipynb",
              tmp_path / "notes.txt"):
        p.write_text("{}")
    found = gradebook.find_submissions([tmp_path, folder / "01-intro.ipynb"])
    assert found == [folder / "01-intro.ipynb"]


def test_a_roster_names_the_students_and_lists_who_did_not_submit(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("ID,Full name,Email address\n1,Ada Lovelace,ada@example.org\n2,Alan Turing,\n")
    students = gradebook.identify([tmp_path / "x_1_assignsubmission_file_" / "01.ipynb"])
    merged, missing = gradebook.merge_roster(students, gradebook.read_roster(roster))
    assert (merged[0].id, merged[0].name, merged[0].email) == ("1", "Ada Lovelace", "ada@example.org")
    assert [(s.id, s.name) for s in missing] == [("2", "Alan Turing")]
