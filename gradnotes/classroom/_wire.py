"""Plain data across the sandbox wall: what the grader sends an answer, and what it accepts back.

The trusted grader calls a student's answer inside the sandboxed kernel and
receives JSON text only. :func:`decode` turns that text into numbers, strings,
numpy arrays, lists and tuples, and refuses everything else (no pickles, no
objects with their own ``__eq__``, no array of objects, nothing too large or
too deep), so what the check compares is data the student's code can no
longer influence.

Encoding (one JSON object per value)::

    {"t": "none"} {"t": "bool", "v": true} {"t": "int", "v": 3} {"t": "float", "v": "0x1.8p+1"}
    {"t": "str", "v": "..."} {"t": "list" | "tuple", "v": [...]}
    {"t": "array", "dtype": "<f8", "shape": [2, 3], "b64": "..."}
    {"t": "phi", "name": "tanh", "derivative": false, "scalar": true}        (grader -> kernel only)
    {"t": "rng", "state": {...}}                                            (grader -> kernel only)

Floats travel as ``float.hex`` strings: exact, and NaN and infinities survive.

Examples
--------
>>> import numpy as np
>>> wire = encode((1.5, [np.arange(3.0)], "x", None))
>>> decode(wire)
(1.5, [array([0., 1., 2.])], 'x', None)
>>> decode({"t": "int", "v": True})
Traceback (most recent call last):
...
gradnotes.classroom._wire.WireError: an int that is not an int: True
"""

from __future__ import annotations

import base64
import binascii
import math

import numpy as np

from ..check._core import Phi

__all__ = ["encode", "decode", "WireError", "LIMITS", "KERNEL_SIDE"]

#: The largest answer the grader accepts: elements of all arrays together, nesting depth, string length.
LIMITS = {"elements": 2_000_000, "depth": 6, "string": 10_000, "items": 10_000, "ndim": 6}

_DTYPES = {np.dtype(t).str for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                     "uint64", "float16", "float32", "float64")}


class WireError(ValueError):
    """What came back from the sandbox is not plain data within the limits."""


def encode(value, depth: int = 0):
    """A value the grader hands to an answer, as JSON-ready data (see the module docstring)."""
    if depth > LIMITS["depth"]:
        raise WireError("nested too deeply")
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": float(value).hex()}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value)
        return {"t": "array", "dtype": a.dtype.str, "shape": list(a.shape),
                "b64": base64.b64encode(a.tobytes()).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return {"t": type(value).__name__, "v": [encode(v, depth + 1) for v in value]}
    if isinstance(value, Phi):
        return {"t": "phi", "name": value.name, "derivative": value.derivative, "scalar": value.scalar}
    if isinstance(value, np.random.Generator):
        return {"t": "rng", "state": value.bit_generator.state}
    raise WireError(f"cannot hand a {type(value).__name__} to an answer")


def decode(data, budget: list[int] | None = None, depth: int = 0):
    """Plain Python/numpy data from JSON-decoded ``data``, or :class:`WireError`. Never trusts a type claim."""
    budget = [LIMITS["elements"]] if budget is None else budget
    if depth > LIMITS["depth"]:
        raise WireError("the answer is nested too deeply")
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise WireError(f"not a tagged value: {str(data)[:80]}")
    tag, v = data["t"], data.get("v")
    if tag == "none":
        return None
    if tag == "bool":
        return _typed(v, bool, "a bool")
    if tag == "int":
        return _typed(v, int, "an int")
    if tag == "float":
        text = _typed(v, str, "a float")
        try:
            return float.fromhex(text)
        except (ValueError, OverflowError):
            raise WireError(f"not a float: {v[:40]!r}") from None
    if tag == "str":
        if not isinstance(v, str) or len(v) > LIMITS["string"]:
            raise WireError(f"a string longer than {LIMITS['string']} characters, or not a string")
        return v
    if tag in ("list", "tuple"):
        if not isinstance(v, list) or len(v) > LIMITS["items"]:
            raise WireError(f"a {tag} of more than {LIMITS['items']} items, or not a list")
        budget[0] -= len(v)
        items = [decode(x, budget, depth + 1) for x in v]
        return tuple(items) if tag == "tuple" else items
    if tag == "array":
        return _array(data, budget)
    raise WireError(f"an answer may return numbers, strings, numpy arrays, lists and tuples; not {tag!r}")


def _typed(v, kind, what):
    if type(v) is not kind:  # noqa: E721  (bool is an int subclass: exact type on purpose)
        raise WireError(f"{what} that is not {what}: {v!r}")
    return v


def _array(data, budget):
    dtype, shape, b64 = data.get("dtype"), data.get("shape"), data.get("b64")
    if dtype not in _DTYPES:
        raise WireError(f"an array of dtype {str(dtype)[:20]!r}: return numbers (bool, int or float arrays)")
    if (not isinstance(shape, list) or len(shape) > LIMITS["ndim"]
            or not all(type(n) is int and n >= 0 for n in shape)):  # noqa: E721
        raise WireError(f"an array shape that is not a list of sizes: {str(shape)[:40]}")
    size = math.prod(shape)
    budget[0] -= size
    if budget[0] < 0:
        raise WireError(f"an answer larger than {LIMITS['elements']} numbers in all")
    try:
        raw = base64.b64decode(_typed(b64, str, "an array's data"), validate=True)
    except binascii.Error:
        raise WireError("an array whose data is not base64") from None
    if len(raw) != size * np.dtype(dtype).itemsize:
        raise WireError("an array whose data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def write_back(original, returned) -> None:
    """Copy arrays an answer changed in place (as seen in the sandbox) back into the grader's inputs."""
    if isinstance(original, np.ndarray) and isinstance(returned, np.ndarray):
        if returned.shape == original.shape and original.flags.writeable:
            np.copyto(original, returned, casting="unsafe")
    elif isinstance(original, list) and isinstance(returned, list):
        for o, r in zip(original, returned):
            write_back(o, r)


#: Source run inside the sandboxed kernel for one call (its own namespace; ``_REQUEST`` is set by the grader).
#: Whatever the student's code changes here can only change the JSON that comes back, never how it is judged.
KERNEL_SIDE = r'''
import base64 as _b64, json as _json
import numpy as _np
import IPython as _ipy

def _enc(v, depth=0):
    if depth > 6:
        raise ValueError("nested too deeply")
    if v is None:
        return {"t": "none"}
    if isinstance(v, (bool, _np.bool_)):
        return {"t": "bool", "v": bool(v)}
    if isinstance(v, (int, _np.integer)):
        v = int(v)
        if abs(v) >= 2 ** 63:
            raise ValueError("an integer too large")
        return {"t": "int", "v": v}
    if isinstance(v, (float, _np.floating)):
        return {"t": "float", "v": float(v).hex()}
    if isinstance(v, str):
        return {"t": "str", "v": v[:10000]}
    if isinstance(v, (list, tuple)):
        return {"t": "tuple" if isinstance(v, tuple) else "list", "v": [_enc(x, depth + 1) for x in v]}
    if isinstance(v, _np.ndarray) or hasattr(v, "__array__"):
        a = _np.ascontiguousarray(_np.asarray(v))
        if a.dtype.kind not in "biuf":
            raise TypeError(f"returned an array of dtype {a.dtype}; return numbers")
        return {"t": "array", "dtype": a.dtype.str, "shape": list(a.shape),
                "b64": _b64.b64encode(a.tobytes()).decode("ascii")}
    raise TypeError(f"returned a {type(v).__name__}; return numbers, numpy arrays, or lists and tuples of them")

def _dec(d):
    t = d["t"]
    if t in ("none", "bool", "int", "str"):
        return d.get("v")
    if t == "float":
        return float.fromhex(d["v"])
    if t in ("list", "tuple"):
        items = [_dec(x) for x in d["v"]]
        return tuple(items) if t == "tuple" else items
    if t == "array":
        return _np.frombuffer(_b64.b64decode(d["b64"]), dtype=d["dtype"]).reshape(d["shape"]).copy()
    if t == "phi":
        from gradnotes.activations import ACTIVATIONS
        act = ACTIVATIONS[d["name"]]
        f = act.derivative if d["derivative"] else act
        return (lambda z: float(f(_np.array(z)))) if d["scalar"] else f
    if t == "rng":
        g = _np.random.default_rng()
        g.bit_generator.state = d["state"]
        return g
    raise ValueError(t)

def _reply(payload):
    _ipy.display.display({"application/vnd.gradnotes.answer+json": payload}, raw=True)

def _main(request):
    request = _json.loads(request)
    fn = _ipy.get_ipython().user_ns.get(request["fn"])
    if not callable(fn):
        return _reply({"ok": False, "ename": "NameError",
                       "evalue": f"the answer function {request['fn']}() is not defined in the notebook"})
    args = [_dec(a) for a in request["args"]]
    try:
        with _np.errstate(all="ignore"):
            result = fn(*args)
        out = {"ok": True, "result": _enc(result),
               "args": [_enc(a) if isinstance(a, (list, _np.ndarray)) else None for a in args]}
    except BaseException as error:
        out = {"ok": False, "ename": type(error).__name__, "evalue": str(error)[:500]}
    _reply(out)

_main(_REQUEST)
'''
