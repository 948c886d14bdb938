"""Exponential back-off with jitter, for retrying requests while the server is unreachable."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial: float = 0.2, maximum: float = 5.0, factor: float = 2.0) -> None:
        self._initial = initial
        self._maximum = maximum
        self._factor = factor
        self._current = initial

    def next(self) -> float:
        """The next delay in seconds: 50% to 100% of the current step, which then grows.

        The jitter keeps many workers that lost the server at once from coming back in step.
        """
        delay = self._current * (0.5 + random.random() * 0.5)
        self._current = min(self._maximum, self._current * self._factor)
        return delay

    def reset(self) -> None:
        self._current = self._initial
