"""Dumps and loads YAML exactly as kombu does (yaml.safe_dump / yaml.safe_load), for the tests.

The request and answer are those of @resultkit/test-suite's tagged_values.py (on PYTHONPATH).
"""
import yaml
from tagged_values import serve

serve(dump=yaml.safe_dump, load=yaml.safe_load)
