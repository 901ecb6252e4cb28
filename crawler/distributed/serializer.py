"""JSON serializer for requests in the shared Redis queue (``SCHEDULER_SERIALIZER``).

scrapy-redis pickles requests by default; anything that can write to the Redis
server could then run code in every worker.  This module keeps the queue plain
JSON: ``bytes`` become ``{"__b64__": ...}``, dicts with non-string keys (request
headers) ``{"__items__": [[k, v], ...]}``; tuples become lists.  A meta value of
another type is stored as its ``str()`` (with a warning) rather than losing the
request.

``dumps`` sorts keys, so the same request always gives the same bytes (the queue
is a sorted set: equal members collapse).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

_B = "__b64__"
_I = "__items__"
_warned: set[str] = set()


def _enc(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return {_B: base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and _B not in obj and _I not in obj:
            return {k: _enc(v) for k, v in obj.items()}
        return {_I: [[_enc(k), _enc(v)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_enc(v) for v in obj]
    name = type(obj).__name__
    if name not in _warned:
        _warned.add(name)
        logger.warning("request field of type %s stored as a string in the Redis queue", name)
    return str(obj)


def _dec(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_dec(v) for v in obj]
    if isinstance(obj, dict):
        if len(obj) == 1 and _B in obj:
            return base64.b64decode(obj[_B])
        if len(obj) == 1 and _I in obj:
            return {_hashable(_dec(k)): _dec(v) for k, v in obj[_I]}
        return {k: _dec(v) for k, v in obj.items()}
    return obj


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def dumps(obj: Any) -> bytes:
    return json.dumps(_enc(obj), sort_keys=True, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8")
    return _dec(json.loads(data))
