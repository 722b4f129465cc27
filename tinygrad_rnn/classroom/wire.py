"""The messages between the checker and the worker process that runs a student's code:
one JSON object per line, numpy arrays as base64 text.

    {"do": "call", "function": "unbroadcast", "args": [{"array": "AAAA...",
     "dtype": "float64", "shape": [2, 3]}, {"tuple": [3]}], "kwargs": {}, ...}

Why not pickle: unpickling runs whatever code the bytes ask for, and the worker runs the
student's code. So the checker reads nothing but JSON, and `decode` builds nothing but
None, bools, numbers, strings, tuples, lists, dicts and numpy arrays of numbers, plus the
placeholders the two sides pass in (`decode_other`). Whatever the student's code does in
its own process, what comes back is plain data that the checker judges.

Containers are followed two levels deep (a tuple holding a dict of arrays: what
lstm_forward returns); anything deeper, and every object the checker has no use for, travels as an
`Opaque` placeholder that remembers the object's type name (for messages), its numbers
when it converts to an array of numbers, and a handle by which the worker keeps it.

Read next: worker.py (the student's side), student_process.py (the checker's side).
"""

from __future__ import annotations

import base64
import json

import numpy as np

from ..arrays import TensorArray

ARRAY_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
)
DTYPE_NAMES = {np.dtype(name): name for name in ARRAY_DTYPES}  # a dict: dtype.name is slow
MAX_ELEMENTS = 10_000_000  # an answer of an exercise is a few hundred numbers
MAX_LINE = 32 * 1024 * 1024  # bytes in one message (a 10 000-node graph is ~2 MB)
MAX_TEXT = 4000  # characters of a student's message or output that are kept


class WireError(ValueError):
    """A message that is not what the two sides send each other."""


class Opaque:
    """Stands in for an object of the student's that is not plain data (a generator, an
    instance of the student's own class, a list nested three deep ...).

    type_name  the object's type, for messages: "got a generator, not a list"
    handle     the worker keeps the object under this number, so it can be passed back
    array      its numbers, if np.asarray made an array of numbers of it, else None
    items      its elements (decoded), if it could be iterated, else None
    note       why it did not travel as itself ("too large"), or ''
    """

    def __init__(self, type_name: str, handle: int, array=None, items=None, note: str = ""):
        self.type_name = type_name
        self.handle = handle
        self.array = array
        self.items = items
        self.note = note

    def __iter__(self):
        if self.items is None:
            raise TypeError(f"a {self.type_name} cannot be iterated")
        return iter(self.items)

    def __repr__(self) -> str:
        return f"<your {self.type_name}>"


# --------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------
def to_line(message: dict) -> bytes:
    """A message as one line of UTF-8 JSON (NaN and inf spelled as Python spells them)."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


def from_line(line: bytes) -> dict:
    """The message in one line, or WireError."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WireError(f"not a message: {error}") from None
    if not isinstance(message, dict):
        raise WireError("not a message: not a JSON object")
    return message


def clean_text(text, limit: int = MAX_TEXT) -> str:
    """Text from the student's side made safe to print in a report: at most `limit`
    characters, and no control characters (a "\\r" or an escape sequence could
    overwrite the report's own lines in a terminal); newlines and tabs are kept."""
    if not isinstance(text, str):
        return ""
    if len(text) > limit:
        text = text[:limit] + " ..."
    kept = []
    for character in text:
        if character == "\n" or character.isprintable():
            kept.append(character)
        elif character == "\t":
            kept.append("    ")
        else:
            kept.append(repr(character)[1:-1])  # "\x1b" as the four characters \x1b
    return "".join(kept)


# --------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------
def sendable_array(value) -> np.ndarray | None:
    """`value` as a plain numpy array that can travel, or None (not numbers, too big)."""
    try:
        array = np.asarray(value)
    except Exception:  # the student's __array__ or __len__ may raise anything
        return None
    if type(array) is not np.ndarray or dtype_name(array.dtype) is None:
        return None
    if array.size > MAX_ELEMENTS:
        return None
    return array


def dtype_name(dtype: np.dtype) -> str | None:
    """'float64' for a dtype that can travel (in either byte order), else None."""
    name = DTYPE_NAMES.get(dtype)
    if name is None and dtype.byteorder in "<>":
        name = DTYPE_NAMES.get(dtype.newbyteorder("="))
    return name


def encode_array(array: np.ndarray) -> dict:
    """{"array": base64 bytes, "dtype", "shape"} (plus "scalar" for a numpy scalar and
    "readonly" for an array that must not be written to)."""
    name = dtype_name(array.dtype)
    message = {"dtype": name, "shape": list(np.shape(array))}
    native = np.array(array, dtype=name, order="C")  # in this machine's byte order
    message["array"] = base64.b64encode(native.tobytes()).decode("ascii")
    if isinstance(array, np.generic):
        message["scalar"] = True
    elif not array.flags.writeable:
        message["readonly"] = True
    return message


def decode_array(message: dict):
    """The array (or numpy scalar) of an encode_array message; WireError if it is not one."""
    dtype = message.get("dtype")
    shape = message.get("shape")
    if dtype not in ARRAY_DTYPES or not isinstance(shape, list):
        raise WireError(f"not an array: dtype {dtype!r}, shape {shape!r}")
    count = 1
    for size in shape:
        if type(size) is not int or size < 0:
            raise WireError(f"not an array: shape {shape!r}")
        count *= size
    if count > MAX_ELEMENTS:
        raise WireError(f"an array of {count} elements is too large")
    try:
        raw = base64.b64decode(message.get("array", ""), validate=True)
    except (ValueError, TypeError):
        raise WireError("not an array: the bytes are not base64") from None
    if len(raw) != count * np.dtype(dtype).itemsize:
        raise WireError(f"not an array: {len(raw)} bytes for {count} elements of {dtype}")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()  # an own, writable array
    if message.get("scalar") and array.ndim == 0:
        return array[()]
    if message.get("readonly"):
        array.flags.writeable = False
    return array


# --------------------------------------------------------------------------------------
# Values: two levels of containers, then leaves
# --------------------------------------------------------------------------------------


def encode(value, encode_other):
    """A value as JSON-ready data. `encode_other(value)` encodes what is not plain data
    (nodes, Tensors, the student's objects) and returns a dict with its own tag."""
    return encode_level(value, encode_other, encode_item)


def encode_item(value, encode_other):
    """An element of a container: one more level of containers, then leaves."""
    return encode_level(value, encode_other, encode_leaf)


def encode_level(value, encode_other, encode_inner):
    """A tuple, list or dict (or a subclass: a namedtuple, an OrderedDict; it arrives as
    the plain kind) whose elements `encode_inner` encodes, or a leaf."""
    if isinstance(value, tuple):
        return {"tuple": [encode_inner(item, encode_other) for item in value]}
    if isinstance(value, list):
        return {"list": [encode_inner(item, encode_other) for item in value]}
    if isinstance(value, dict):
        pairs = [[key, encode_inner(item, encode_other)] for key, item in value.items()]
        return {"dict": [pair for pair in pairs if type(pair[0]) is str]}
    return encode_leaf(value, encode_other)


def encode_leaf(value, encode_other):
    """None, a bool, int, float or string as itself; an array of numbers as an array;
    everything else by `encode_other`."""
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) is str:
        return {"str": value}
    if type(value) is TensorArray:  # x.grad, x.data: a numpy array with PyTorch's methods
        value = value.view(np.ndarray)
    if type(value) is np.ndarray or isinstance(value, np.generic):
        array = sendable_array(value)
        if array is not None:
            return encode_array(value if isinstance(value, np.generic) else array)
    return encode_other(value)


def decode(data, decode_other):
    """The value of encode(...)'s data. `decode_other(message)` turns the other tags
    (nodes, Tensors, placeholders) into values; WireError for anything else."""
    return decode_level(data, decode_other, decode_item)


def decode_item(data, decode_other):
    return decode_level(data, decode_other, decode_leaf)


def decode_level(data, decode_other, decode_inner):
    if isinstance(data, dict) and len(data) == 1 and ("tuple" in data or "list" in data):
        items = data.get("tuple", data.get("list"))
        if not isinstance(items, list):
            raise WireError("a tuple or list that is not a list")
        decoded = [decode_inner(item, decode_other) for item in items]
        return tuple(decoded) if "tuple" in data else decoded
    if isinstance(data, dict) and len(data) == 1 and "dict" in data:
        return decode_dict(data["dict"], decode_other, decode_inner)
    return decode_leaf(data, decode_other)


def decode_dict(pairs, decode_other, decode_inner) -> dict:
    if not isinstance(pairs, list):
        raise WireError("a dict that is not a list of pairs")
    result = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise WireError("a dict entry that is not a [key, value] pair")
        result[pair[0]] = decode_inner(pair[1], decode_other)
    return result


def decode_leaf(data, decode_other):
    if data is None or type(data) in (bool, int, float):
        return data
    if not isinstance(data, dict):
        raise WireError(f"not a value: {type(data).__name__}")
    if "str" in data:
        if not isinstance(data["str"], str):
            raise WireError("a string that is not a string")
        return data["str"]
    if "array" in data:
        return decode_array(data)
    return decode_other(data)
