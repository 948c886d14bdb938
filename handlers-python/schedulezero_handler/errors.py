"""The exceptions of the SDK: the ones a method raises, and the ones the SDK raises to its caller."""

from __future__ import annotations

from typing import Optional


class NonRetryableError(Exception):
    """Raise it from a method to fail the run without the retries its policy would allow.

    For bad input, a missing record, anything a retry cannot fix. Any exception with a
    ``retryable = False`` attribute is treated the same way.
    """

    retryable = False


class JobStopped(Exception):
    """Raised by :meth:`Job.check` when the job must stop.

    ``reason`` says why: ``"cancelled"`` (the run was cancelled on the server), ``"timeout"``
    (its deadline passed), ``"lost"`` (the server gave the run to another worker) or
    ``"shutdown"`` (the worker is stopping and its grace period is over).
    """

    def __init__(self, reason: str, message: Optional[str] = None) -> None:
        super().__init__(message or f"the job was stopped ({reason})")
        self.reason = reason


class ApiError(Exception):
    """The server answered with an error status (``{"error": {"code", "message", "field"?}}``)."""

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class ServerUnreachable(Exception):
    """The server could not be reached, did not answer in time, or answered something unreadable."""


class RequestAborted(Exception):
    """A request was cut short because the worker is stopping."""


class WorkerError(Exception):
    """The worker cannot go on: the server refused its registration or its API token."""


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: connection problems, 5xx, 408 and 429."""
    if isinstance(exc, ServerUnreachable):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status in (408, 429))


def is_api_error(exc: BaseException, status: int, code: Optional[str] = None) -> bool:
    return isinstance(exc, ApiError) and exc.status == status and (code is None or exc.code == code)
