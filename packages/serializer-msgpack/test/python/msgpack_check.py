"""Packs and unpacks with Python's msgpack exactly as kombu does, for the msgpack tests.

The request and answer are those of @resultkit/test-suite's tagged_values.py (on PYTHONPATH);
values travel as hex.
"""
import msgpack
from tagged_values import serve

serve(
    dump=lambda value: msgpack.packb(value, use_bin_type=True).hex(),
    load=lambda hexed: msgpack.unpackb(bytes.fromhex(hexed), raw=False),
)
