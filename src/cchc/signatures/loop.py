"""pyHanko's synchronous calls start their own event loop (asyncio.run), which fails inside one already running —
an async page of FastAPI signs or verifies in one. Such a call is then run in a worker thread of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(call: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-pyhanko") as pool:
        return pool.submit(call).result()
