"""Dumps and loads YAML exactly as kombu does (yaml.safe_dump / yaml.safe_load), for the tests.

Reads {"pack": [tagged, ...], "unpack": [text, ...]} on stdin and answers
{"packed": [text or {"error"}], "unpacked": [tagged or {"error"}]}. Tags as in the msgpack
tests, plus {"datetime": isoformat} and {"date": isoformat}.
"""
import datetime
import json
import struct
import sys

import yaml


def build(tagged):
    if tagged is None:
        return None
    (kind, value), = tagged.items()
    if kind == "int":
        return int(value)
    if kind == "float":
        if value == "nan":
            return float("nan")
        return struct.unpack(">d", bytes.fromhex(value))[0]
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
        if value != value:
            return {"float": "nan"}
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat(timespec="microseconds")}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
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
            packed.append(yaml.safe_dump(build(tagged)))
        except Exception as error:
            packed.append({"error": type(error).__name__})
    unpacked = []
    for text in request.get("unpack", []):
        try:
            unpacked.append(describe(yaml.safe_load(text)))
        except Exception as error:
            unpacked.append({"error": type(error).__name__})
    json.dump({"packed": packed, "unpacked": unpacked}, sys.stdout, ensure_ascii=True)


main()
