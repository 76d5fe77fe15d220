"""Plain values (:mod:`qbi.grading.transport`): what an answer may be, and how it travels from a
submission's process to the grader as data only (JSON and an ``.npz`` of arrays, never pickles)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from qbi import grading
from qbi.grading import transport
from qbi.grading.transport import MISSING, NOT_ANSWERED, Unsupported, _Blank, answer_values, to_plain


def test_answers_travel_as_plain_data():
    values = {"a": np.arange(6, dtype=np.uint16).reshape(2, 3), "b": np.float32(1.5), "c": [1, (2.5, "x")],
              "d": {"k": {3, 4}}, "e": np.uint8, "f": ..., "g": [1, ...], "h": lambda x: x}
    plain = grading.answer_values(values, list(values) + ["missing"])
    arrays: dict = {}
    decoded = {k: grading._decode(json.loads(json.dumps(grading._encode(v, arrays))), arrays)
               for k, v in plain.items()}
    assert decoded["a"].dtype == np.uint16 and not decoded["a"].flags.writeable
    assert decoded["b"] == 1.5 and type(decoded["b"]) is float
    assert decoded["c"] == [1, (2.5, "x")] and decoded["d"] == {"k": {3, 4}}
    assert decoded["e"] == np.dtype(np.uint8)
    assert decoded["f"] is grading.NOT_ANSWERED and decoded["g"] is grading.NOT_ANSWERED
    assert isinstance(decoded["h"], grading.Unsupported) and "function" in str(decoded["h"])
    assert decoded["missing"] is grading.MISSING


@pytest.mark.parametrize("forged", [["pickle", "x"], ["array", "nope"], ["int", 5], "just text",
                                    ["dtype", "O"], ["list", [["code", "import os"]]]])
def test_forged_answers_are_rejected(forged):
    with pytest.raises((ValueError, KeyError)):
        grading._decode(forged, {"a0": np.zeros(2, dtype=object)})


def _round_trip(value):
    """``value`` as the grader gets it: plain copy, encoded, through JSON and an .npz file, decoded."""
    arrays: dict = {}
    text = json.dumps(transport._encode(to_plain(value), arrays))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as npz:
        return transport._decode(json.loads(text), {k: npz[k] for k in npz.files})


def test_nested_dicts_lists_and_arrays_round_trip():
    value = {"labels": np.array([[0, 1], [2, 3]], dtype=np.int32),
             "stats": [{"area": 12, "mean": 0.25, "name": "pore"}, {"area": np.int64(7), "ok": np.bool_(True)}],
             (1, "a"): (np.float64(2.5), 1 + 2j, None),
             "mask": np.array([True, False]), "words": np.array(["ab", "c"]), "set": {1, 2, 3}}
    back = _round_trip(value)
    assert set(back) == set(value)
    np.testing.assert_array_equal(back["labels"], value["labels"])
    assert back["labels"].dtype == np.int32 and not back["labels"].flags.writeable
    assert back["stats"] == [{"area": 12, "mean": 0.25, "name": "pore"}, {"area": 7, "ok": True}]
    assert type(back["stats"][1]["area"]) is int and type(back["stats"][1]["ok"]) is bool
    assert back[(1, "a")] == (2.5, 1 + 2j, None) and type(back[(1, "a")][0]) is float
    assert back["mask"].dtype == bool and back["words"].tolist() == ["ab", "c"] and back["set"] == {1, 2, 3}


def test_a_plain_copy_does_not_share_memory_with_the_answer():
    answer = np.zeros(4)
    plain = to_plain(answer)
    answer[0] = 99
    assert plain[0] == 0 and not plain.flags.writeable
    view = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    assert type(to_plain(view)) is np.ndarray  # subclasses become plain arrays


class Model:
    def predict(self, x):
        return x


@pytest.mark.parametrize("value, words", [
    (Model(), "answers are numbers, strings, numpy arrays"),
    (print, "the answer is the value it computes"),
    (np.array([{"a": 1}], dtype=object), "numpy array of object"),
    ({"k": [1, Model()]}, "answers are numbers"),
    ({(1, 2): [np.zeros(2)], 3: {"ok": 1}, "s": frozenset({1})}, None),    # all fine
    ({frozenset({1}): 1}, "dict whose keys are not numbers, strings or tuples"),
    ({np.zeros(1).tobytes(): 1}, "answers are numbers"),                   # bytes are not an answer
    (np.zeros(transport.MAX_ARRAY_BYTES // 8 + 1), "larger than"),
    (list(range(transport.MAX_ITEMS + 1)), "more than"),
])
def test_unsupported_answers_are_refused_with_a_reason(value, words):
    if words is None:
        to_plain(value)
        return
    with pytest.raises(Unsupported, match=words):
        to_plain(value)


def test_a_lazy_dask_value_is_refused_with_what_to_do():
    import dask.array as da

    with pytest.raises(Unsupported, match=r"lazy dask object: call \.compute\(\)"):
        to_plain(da.zeros(4, chunks=2).sum())


def test_blank_missing_and_unsupported_answers_are_told_apart():
    namespace = {"blank": ..., "nested": {"a": [1, ...]}, "fine": 3, "func": len}
    values = answer_values(namespace, ["blank", "nested", "fine", "func", "absent"])
    assert values["blank"] is NOT_ANSWERED and values["nested"] is NOT_ANSWERED
    assert values["fine"] == 3 and values["absent"] is MISSING
    assert isinstance(values["func"], Unsupported)
    with pytest.raises(_Blank):
        to_plain([..., 1])
    assert repr(NOT_ANSWERED) == "<not answered>" and repr(MISSING) == "<not defined>"


def test_a_very_large_integer_is_reported_not_crashed():
    arrays: dict = {}
    encoded = transport._encode(10 ** 5000, arrays)
    assert encoded[0] == "unsupported" and "too many digits" in encoded[1]
