"""The Python side of the interop tests: real CPython pickle, driven over stdin/stdout JSON.

Input:  {"load": [{"name": str, "hex": str, "protocol": int}], "produce": bool}
Output: {"loaded": [{"name", "value" | "error", "repickled_same"}],
         "produced": {case name: {protocol: hex}}}

"load" unpickles bytes written by the TypeScript pickler, describes the result in tagged JSON
and says whether CPython writes exactly the same bytes for the loaded value. "produce" pickles
the cases below with every protocol, for the TypeScript reader.
"""
import collections
import datetime as dt
import decimal
import json
import pickle
import sys
import uuid
import zoneinfo

import pytz
import celery.result
from celery.exceptions import TaskRevokedError
from celery.utils.serialization import UnpickleableExceptionWrapper


class Custom:
    """A class outside any allow-list: the reader must keep it inert."""

    def __init__(self):
        self.a = 1
        self.b = [2, "three"]


def describe(x, path=()):
    if id(x) in path:
        return {"cycle": True}
    path = path + (id(x),)
    d = lambda v: describe(v, path)
    if x is None:
        return None
    if isinstance(x, bool):
        return {"bool": x}
    if isinstance(x, int):
        return {"int": str(x)}
    if isinstance(x, float):
        return {"float": repr(x)}
    if isinstance(x, str):
        return {"str": x}
    if isinstance(x, bytes):
        return {"bytes": x.hex()}
    if isinstance(x, bytearray):
        return {"bytearray": bytes(x).hex()}
    if isinstance(x, list):
        return {"list": [d(v) for v in x]}
    if isinstance(x, tuple):
        return {"tuple": [d(v) for v in x]}
    if isinstance(x, dict):
        return {"dict": [[d(k), d(v)] for k, v in x.items()]}
    if isinstance(x, (set, frozenset)):
        items = sorted((d(v) for v in x), key=lambda v: json.dumps(v, sort_keys=True))
        return {"frozenset" if isinstance(x, frozenset) else "set": items}
    if isinstance(x, dt.datetime):
        return {"datetime": x.isoformat()}
    if isinstance(x, dt.date):
        return {"date": x.isoformat()}
    if isinstance(x, dt.time):
        return {"time": x.isoformat()}
    if isinstance(x, dt.timedelta):
        return {"timedelta": [x.days, x.seconds, x.microseconds]}
    if isinstance(x, decimal.Decimal):
        return {"decimal": str(x)}
    if isinstance(x, uuid.UUID):
        return {"uuid": x.hex}
    if isinstance(x, celery.result.GroupResult):
        return {"GroupResult": x.id, "results": [d(r) for r in x.results]}
    if isinstance(x, celery.result.AsyncResult):
        return {"AsyncResult": x.id}
    if isinstance(x, BaseException):
        return {"exception": type(x).__qualname__, "module": type(x).__module__, "args": [d(a) for a in x.args]}
    return {"other": type(x).__qualname__, "repr": repr(x)}


def cases():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    shared = ["s"]
    recursive = []
    recursive.append(recursive)
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -65536, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1,
                 2**53 - 1, 2**53, 2**53 + 1, -(2**63), 2**64, 2**200, -(2**200)],
        "floats": [0.5, -1.5e-07, 1e300, -0.0, float("inf"), float("-inf"), 3.14159, 1e16],
        "nan": float("nan"),
        "strings": ["", "ascii", "héllo wörld ✓ 日本語 🚀", "back\\slash \\u1234 new\nline", "x" * 300, "\x00\x1a\r'\""],
        "lone_surrogate": "\ud800x",
        "bytes": [b"", b"\x00\x01\xfe\xff", bytes(range(256)) * 2],
        "bytearray": bytearray(b"ab\xff"),
        "singletons": [None, True, False],
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "nested": {"a": [1, {"b": (2, [3])}], "c": {}},
        "int_keys": {1: "one", 2: "two"},
        "tuple_keys": {(1, 2): "x"},
        "set": {1, 2, 3},
        "frozenset": frozenset({"a"}),
        "datetime_naive": dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
        "datetime_utc": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc),
        "datetime_plus2": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "datetime_minus5": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        "datetime_pytz_berlin": pytz.timezone("Europe/Berlin").localize(dt.datetime(2024, 7, 2, 3, 4, 5)),
        "datetime_pytz_utc": dt.datetime(2024, 7, 2, 3, 4, 5, tzinfo=pytz.utc),
        "datetime_zoneinfo_berlin": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=berlin),
        "datetime_zoneinfo_fold0": dt.datetime(2024, 10, 27, 2, 30, tzinfo=berlin, fold=0),
        "datetime_zoneinfo_fold1": dt.datetime(2024, 10, 27, 2, 30, tzinfo=berlin, fold=1),
        "date": dt.date(2024, 1, 2),
        "date_early": dt.date(5, 6, 7),
        "time": dt.time(3, 4, 5, 6),
        "time_tz": dt.time(3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "timedelta": dt.timedelta(days=-1, seconds=5, microseconds=7),
        "decimal": decimal.Decimal("1.10"),
        "decimal_exp": decimal.Decimal("-1.5E-10"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "value_error": ValueError("bad", 42),
        "revoked": TaskRevokedError("revoked"),
        "wrapper": UnpickleableExceptionWrapper("mymod", "MyErr", ("a", 1), "MyErr(a)"),
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "counter": collections.Counter("aab"),
        "defaultdict": collections.defaultdict(list, {"k": [1]}),
        "shared": [shared, shared],
        "recursive": recursive,
        "proto_key": {"__proto__": 1},
        "custom": Custom(),
        "complex": 1 + 2j,
        "async_result": celery.result.AsyncResult("tid"),
        "group": celery.result.GroupResult("gid", [celery.result.AsyncResult("c1"), celery.result.AsyncResult("c2")]),
        "exc_dict": {"exc_type": "ValueError", "exc_message": ("bad", 42), "exc_module": "builtins"},
    }


def main():
    request = json.load(sys.stdin)
    loaded = []
    for item in request.get("load", []):
        data = bytes.fromhex(item["hex"])
        try:
            value = pickle.loads(data)
            same = pickle.dumps(value, item["protocol"]) == data
            loaded.append({"name": item["name"], "value": describe(value), "repickled_same": same})
        except Exception as error:  # reported to the test, which fails with the message
            loaded.append({"name": item["name"], "error": f"{type(error).__name__}: {error}"})
    produced = {}
    if request.get("produce"):
        for name, value in cases().items():
            produced[name] = {str(p): pickle.dumps(value, p).hex() for p in range(6)}
    # One write: json.dump would issue a write per token, which is slow on a pipe.
    sys.stdout.write(json.dumps({"loaded": loaded, "produced": produced}))


main()
