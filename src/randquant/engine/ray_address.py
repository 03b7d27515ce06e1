"""Check a Ray cluster address, and that something answers there, before any work.

``ray.init(address="127.0.0.1:1")`` retries for minutes and ``ray.init(address="garbage")``
fails with a traceback, both only when the sweep starts, after the references were computed.
:func:`check_ray_address` runs first: the address must be ``auto``, ``HOST:PORT`` or
``ray://HOST:PORT``, and a TCP connection to ``HOST:PORT`` must open within ``timeout_s``.

>>> check_ray_address("ray://head:10001", timeout_s=5.0)  # doctest: +SKIP
"""

from __future__ import annotations

import re
import socket

_FORM = re.compile(r"^(?:ray://)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")
#: Seconds :func:`check_ray_address` waits for the cluster's port to answer.
CONNECT_TIMEOUT_S = 10.0


def check_ray_address(address: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """``ValueError`` saying why ``address`` names no reachable Ray cluster."""
    text = address.strip()
    if text == "auto":
        return  # the cluster this node joined: ray finds it from its own files
    found = _FORM.match(text)
    if found is None or not 0 < int(found["port"]) < 65536:
        raise ValueError(
            f"{address[:80]!r} is not a Ray cluster address: give auto, HOST:PORT or "
            "ray://HOST:PORT (port 1-65535)"
        )
    host, port = found["host"].strip("[]"), int(found["port"])
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except TimeoutError:
        raise ValueError(
            f"no Ray cluster answered at {text} within {timeout_s:g} s; is it running?"
        ) from None
    except OSError as err:
        why = err.strerror or type(err).__name__
        raise ValueError(f"cannot reach a Ray cluster at {text} ({why}); is it running?") from None
