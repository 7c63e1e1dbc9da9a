"""Packs and unpacks with Python's msgpack exactly as kombu does, for the msgpack tests.

Reads one JSON request on stdin: {"pack": [tagged, ...], "unpack": [hex, ...]}. Answers one
JSON object: {"packed": [hex or {"error"}], "unpacked": [tagged or {"error"}]}. A tagged value
says its Python type: {"int": "12"}, {"float": "<16 hex digits of the float64>"}, {"str": s},
{"bytes": hex}, {"bool": b}, null, {"list": [...]}, {"dict": [[key, value], ...]}.
"""
import json
import struct
import sys

import msgpack


def build(tagged):
    if tagged is None:
        return None
    (kind, value), = tagged.items()
    if kind == "int":
        return int(value)
    if kind == "float":
        return struct.unpack(">d", bytes.fromhex(value))[0]
    if kind == "str":
        return value
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind == "bool":
        return bool(value)
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
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, (list, tuple)):
        return {"list": [describe(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[describe(k), describe(v)] for k, v in value.items()]}
    return {"other": repr(value)}


def main():
    request = json.load(sys.stdin)
    packed = []
    for tagged in request.get("pack", []):
        try:
            packed.append(msgpack.packb(build(tagged), use_bin_type=True).hex())
        except Exception as error:  # the test compares refusals too
            packed.append({"error": type(error).__name__})
    unpacked = []
    for hexed in request.get("unpack", []):
        try:
            unpacked.append(describe(msgpack.unpackb(bytes.fromhex(hexed), raw=False)))
        except Exception as error:
            unpacked.append({"error": type(error).__name__})
    json.dump({"packed": packed, "unpacked": unpacked}, sys.stdout, ensure_ascii=True)


main()
