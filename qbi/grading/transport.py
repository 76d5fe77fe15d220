"""How an answer travels from a submission to the grader: as plain values, never as code.

:func:`to_plain` copies an answer into plain data (numbers, strings, numpy arrays, lists, tuples,
sets, dicts) or says in :class:`Unsupported` why it cannot; :func:`answer_values` does it for every
answer name of a namespace (``...`` is :data:`NOT_ANSWERED`, an absent name :data:`MISSING`).
The sandboxed worker writes those values with :func:`_encode` (JSON + an ``.npz`` of the arrays,
no pickles) and the grader reads them back with :func:`_decode`, which accepts nothing else.
"""

from __future__ import annotations

MAX_ARRAY_BYTES = 128 * 2**20
MAX_ITEMS = 200_000


# ============================================================================================
# Plain values: what an answer may be, and how it travels from a submission to the grader
# ============================================================================================
class _Flag:
    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"


NOT_ANSWERED = _Flag("not answered")  # the answer is (or holds) ... : the blank left as it was
MISSING = _Flag("not defined")  # the name does not exist in the notebook


class Unsupported(Exception):
    """An answer of a kind the grader does not take (the message says what it is and what to do)."""


class _Blank(Exception):
    pass


def _typename(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]} {t.__name__}"


def to_plain(value, _count: list | None = None):
    """A copy of ``value`` made of plain data only, or raise :class:`Unsupported` / ``_Blank``.

    Plain data: None, bool, int, float, complex, str, numpy dtypes, numpy arrays of numbers,
    booleans or strings, and lists, tuples, sets and dicts of them.  numpy scalars become Python
    numbers, array subclasses become plain read-only arrays.
    """
    import numpy as np

    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise Unsupported(f"it holds more than {MAX_ITEMS} items; use a numpy array")
    if value is Ellipsis:
        raise _Blank()
    if value is None:
        return None
    if isinstance(value, bool):
        return bool.__bool__(value) if type(value) is not bool else value
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
        if isinstance(value, np.complexfloating):
            return complex(value)
        if isinstance(value, np.str_):
            return str.__str__(value)
        raise Unsupported(f"it is a numpy {type(value).__name__} value")
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, complex):
        return complex(float.__float__(value.real), float.__float__(value.imag))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, np.dtype):
        return np.dtype(value.str)
    if isinstance(value, type) and (issubclass(value, np.generic) or value in (bool, int, float, complex)):
        return np.dtype(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcU":
            raise Unsupported(f"it is a numpy array of {value.dtype}; answers are arrays of numbers, "
                              "booleans or strings")
        if value.nbytes > MAX_ARRAY_BYTES:
            raise Unsupported(f"it is a {value.nbytes / 2**20:.0f} MB array, larger than the "
                              f"{MAX_ARRAY_BYTES // 2**20} MB the grader takes")
        out = np.array(value, copy=True, subok=False)
        out.flags.writeable = False
        return out
    if isinstance(value, (list, tuple)):
        items = [to_plain(v, count) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (set, frozenset)):
        items = [to_plain(v, count) for v in value]
        try:
            return set(items)
        except TypeError:
            raise Unsupported("it is a set of unhashable items") from None
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = to_plain(k, count)
            if isinstance(key, (np.ndarray, list, dict, set)):
                raise Unsupported("it is a dict whose keys are not numbers, strings or tuples")
            out[key] = to_plain(v, count)
        return out
    module = type(value).__module__ or ""
    if module.startswith("dask") or hasattr(value, "__dask_graph__"):
        raise Unsupported("it is a lazy dask object: call .compute() (or use a number from it)")
    if hasattr(value, "__array__"):
        raise Unsupported(f"it is a {_typename(value)}: convert it with np.asarray(...)")
    if callable(value):
        raise Unsupported(f"it is a {_typename(value)}: the answer is the value it computes, "
                          "not the function")
    raise Unsupported(f"it is a {_typename(value)}; answers are numbers, strings, numpy arrays, "
                      "or lists, tuples, sets or dicts of them")


def answer_values(namespace: dict, names: list[str]) -> dict:
    """``{name: plain value | NOT_ANSWERED | MISSING | Unsupported(...)}`` for the answer names."""
    values = {}
    for name in names:
        if name not in namespace:
            values[name] = MISSING
            continue
        try:
            values[name] = to_plain(namespace[name])
        except _Blank:
            values[name] = NOT_ANSWERED
        except Unsupported as err:
            values[name] = err
        except RecursionError:
            values[name] = Unsupported("it is nested too deeply")
    return values


def _encode(value, arrays: dict):
    import numpy as np

    if value is NOT_ANSWERED:
        return ["blank"]
    if value is MISSING:
        return ["missing"]
    if isinstance(value, Unsupported):
        return ["unsupported", str(value)]
    if value is None:
        return ["none"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        try:
            return ["int", str(value)]
        except ValueError:
            return ["unsupported", "it is an integer with too many digits"]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, complex):
        return ["complex", repr(value.real), repr(value.imag)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, np.dtype):
        return ["dtype", value.str]
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return ["array", key]
    if isinstance(value, list):
        return ["list", [_encode(v, arrays) for v in value]]
    if isinstance(value, tuple):
        return ["tuple", [_encode(v, arrays) for v in value]]
    if isinstance(value, set):
        return ["set", [_encode(v, arrays) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[_encode(k, arrays), _encode(v, arrays)] for k, v in value.items()]]
    return ["unsupported", f"it is a {_typename(value)}"]


def _decode(item, arrays: dict, depth: int = 0):
    """Strictly rebuild a value written by :func:`_encode`; anything else raises ValueError."""
    import numpy as np

    if depth > 100 or not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise ValueError("malformed answer")
    tag, rest = item[0], item[1:]

    def one(kind):
        if len(rest) != 1 or not isinstance(rest[0], kind):
            raise ValueError(f"malformed {tag}")
        return rest[0]

    if tag == "blank":
        return NOT_ANSWERED
    if tag == "missing":
        return MISSING
    if tag == "unsupported":
        return Unsupported(one(str)[:300])
    if tag == "none":
        return None
    if tag == "bool":
        return one(bool)
    if tag == "int":
        return int(one(str))
    if tag == "float":
        return float(one(str))
    if tag == "complex":
        if len(rest) != 2 or not all(isinstance(r, str) for r in rest):
            raise ValueError("malformed complex")
        return complex(float(rest[0]), float(rest[1]))
    if tag == "str":
        return one(str)
    if tag == "dtype":
        dt = np.dtype(one(str))
        if dt.kind not in "biufcU":
            raise ValueError("unexpected dtype")
        return dt
    if tag == "array":
        arr = arrays[one(str)]
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biufcU":
            raise ValueError("unexpected array")
        arr.flags.writeable = False
        return arr
    if tag in ("list", "tuple", "set"):
        items = [_decode(v, arrays, depth + 1) for v in one(list)]
        return items if tag == "list" else tuple(items) if tag == "tuple" else set(items)
    if tag == "dict":
        pairs = one(list)
        out = {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError("malformed dict")
            out[_decode(pair[0], arrays, depth + 1)] = _decode(pair[1], arrays, depth + 1)
        return out
    raise ValueError(f"unknown tag {tag!r}")

