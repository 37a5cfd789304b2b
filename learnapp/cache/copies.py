"""Recent copies kept by id, each trusted while the stamps read before loading it hold.

The people cache (the signed-in person) and learn's done lessons (what the person has
read) keep one copy per person this way: the caller reads the stamps that change with
the copied rows, and a copy loaded under other stamps, under an unknown stamp ("") or
longer ago than `stamps.MAX_AGE_SECONDS` is loaded again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from learnapp.cache import stamps

T = TypeVar("T")


class StampedCopies(Generic[T]):
    """At most `capacity` copies, the least recently used dropped first; threads share it."""

    def __init__(self, capacity: int) -> None:
        # id -> (the stamps read before loading, when loaded, the copy)
        self._copies: OrderedDict[int, tuple[tuple[str, ...], float, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity
        self.loads = 0  # how often a copy was loaded (tests and benches count it)

    def get(self, item_id: int, key: tuple[str, ...], load: Callable[[], T | None]) -> T | None:
        """The copy kept under `key`, else what `load` returns (kept if the key is known)."""
        now = time.monotonic()
        with self._lock:
            entry = self._copies.get(item_id)
            if entry is not None:
                self._copies.move_to_end(item_id)
        if (
            entry is not None
            and entry[0] == key
            and all(key)
            and now - entry[1] < stamps.MAX_AGE_SECONDS
        ):
            return entry[2]
        self.loads += 1
        copy = load()
        if copy is not None and all(key):
            with self._lock:
                self._copies[item_id] = (key, now, copy)
                self._copies.move_to_end(item_id)
                while len(self._copies) > self.capacity:
                    self._copies.popitem(last=False)
        return copy
