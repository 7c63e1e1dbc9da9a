"""Dumps and loads with Python's json module exactly as kombu's json serializer does, for the
JSON identity tests (kombu 5.2's dialect: plain values only, default separators, ensure_ascii).

The request and answer are those of tagged_values.py (on PYTHONPATH).
"""
import json
from tagged_values import serve

serve(dump=json.dumps, load=json.loads)
