"""The Python half of the tagged-value check (see src/python/python-check.ts).

A check script calls serve(dump, load) with its library's own calls. It reads one JSON request
on stdin, {"pack": [tagged, ...], "unpack": [text, ...]}, and answers one JSON object,
{"packed": [dump(value) or {"error"}], "unpacked": [tagged or {"error"}]}. A tagged value says
its Python type: {"int": "12"}, {"float": "<16 hex digits of the float64>" or "nan"},
{"str": s}, {"bytes": hex}, {"bool": b}, {"datetime": isoformat}, {"date": isoformat}, null,
{"list": [...]}, {"dict": [[key, value], ...]}.
"""
import datetime
import json
import struct
import sys


def build(tagged):
    if tagged is None:
        return None
    (kind, value), = tagged.items()
    if kind == "int":
        return int(value)
    if kind == "float":
        return float("nan") if value == "nan" else struct.unpack(">d", bytes.fromhex(value))[0]
    if kind == "str":
        return value
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind == "bool":
        return bool(value)
    if kind == "datetime":
        return datetime.datetime.fromisoformat(value)
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "list":
        return [build(item) for item in value]
    if kind == "dict":
        return {build(k): build(v) for k, v in value}
    raise ValueError("unknown tag %r" % kind)


def describe(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": "nan" if value != value else struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    # datetime before date: a datetime is a date too.
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat(timespec="microseconds")}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return {"list": [describe(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[describe(k), describe(v)] for k, v in value.items()]}
    return {"other": repr(value)}


def serve(dump, load):
    request = json.load(sys.stdin)
    packed = []
    for tagged in request.get("pack", []):
        try:
            packed.append(dump(build(tagged)))
        except Exception as error:  # the tests compare refusals too
            packed.append({"error": type(error).__name__})
    unpacked = []
    for text in request.get("unpack", []):
        try:
            unpacked.append(describe(load(text)))
        except Exception as error:
            unpacked.append({"error": type(error).__name__})
    json.dump({"packed": packed, "unpacked": unpacked}, sys.stdout, ensure_ascii=True)
