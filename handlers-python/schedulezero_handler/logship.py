"""Ships ``job.log()`` lines to the server in batches: ``POST /api/v1/runs/{id}/logs``.

Best effort by design: a job never waits for its log lines and never fails because of them.
A server without the endpoint (404/405) gets no more lines for a while; lines that cannot be
delivered are dropped (they are in the worker's local log too); an unreachable server keeps a
capped backlog per run that is retried.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, List

from .client import ProtocolClient
from .errors import ApiError, is_transient

JSON = Dict[str, Any]

#: Lines sent in one request (the server takes 1 to 1,000).
BATCH_LINES = 200
#: Bytes of messages in one request, well under the server's 1 MiB body limit.
BATCH_BYTES = 512 * 1024
#: Lines kept per run while the server cannot be reached (the oldest are dropped first).
MAX_BACKLOG = 2000
#: A line longer than this is cut before sending (the server keeps at most 8 KiB of a line).
MAX_LINE_CHARS = 8192
#: How long lines wait to be batched with others (as the TypeScript SDK: 200 ms, or 100 lines).
FLUSH_SECONDS = 0.2
#: This many lines waiting for a run are sent at once.
WAKE_LINES = 100
#: After the server said it has no logs endpoint, how long before trying again.
UNSUPPORTED_SECONDS = 300.0


class _RunLog:
    def __init__(self, run_id: str, attempt: int, worker_id: str) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self.worker_id = worker_id
        self.lines: List[JSON] = []
        #: The server said the run's log is full: send nothing more.
        self.full = False
        # One sender at a time per run keeps the lines in order.
        self.sending = threading.Lock()


class LogShipper:
    def __init__(self, client: ProtocolClient, logger: logging.Logger) -> None:
        self._client = client
        self._logger = logger
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._runs: Dict[str, _RunLog] = {}
        self._unsupported_until = 0.0
        self._warned_unreachable = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="schedulezero-logs", daemon=True)
        self._thread.start()

    def add(self, run_id: str, attempt: int, worker_id: str, message: str, at: str) -> None:
        if len(message) > MAX_LINE_CHARS:
            message = message[: MAX_LINE_CHARS - 1] + "…"
        with self._lock:
            if self._closed or time.monotonic() < self._unsupported_until:
                return
            run = self._runs.get(run_id)
            if run is None or run.attempt != attempt:
                run = self._runs[run_id] = _RunLog(run_id, attempt, worker_id)
            if run.full:
                return
            run.lines.append({"message": message, "stream": "log", "at": at})
            _trim(run)
            if len(run.lines) >= WAKE_LINES:
                self._wake.notify()

    def flush(self, run_id: str, timeout: float = 5.0) -> None:
        """Send what is pending for a run now (before its completion); forget the run."""
        with self._lock:
            run = self._runs.get(run_id)
        if run is not None:
            self._send(run, timeout)
            with self._lock:
                if self._runs.get(run_id) is run:
                    del self._runs[run_id]

    def discard(self, run_id: str) -> None:
        """Forget a run's pending lines (the job is over and was not reported)."""
        with self._lock:
            self._runs.pop(run_id, None)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is pending (a short effort), then stop the thread."""
        with self._lock:
            runs = list(self._runs.values())
        deadline = time.monotonic() + timeout
        for run in runs:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._send(run, min(left, 5.0))
        with self._lock:
            self._closed = True
            self._runs.clear()
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                self._wake.wait(FLUSH_SECONDS)
                if self._closed:
                    return
                runs = [r for r in self._runs.values() if r.lines]
            for run in runs:
                self._send(run, 10.0)

    def _send(self, run: _RunLog, timeout: float) -> None:
        with run.sending:
            while True:
                with self._lock:
                    if not run.lines or run.full or time.monotonic() < self._unsupported_until:
                        return
                    batch = _take_batch(run.lines)
                body = {"worker_id": run.worker_id, "attempt": run.attempt, "lines": batch}
                try:
                    answer = self._client.send_logs(run.run_id, body, timeout=timeout)
                    self._warned_unreachable = False
                except Exception as exc:
                    self._failed(run, batch, exc)
                    return
                if isinstance(answer, dict) and answer.get("truncated") is True:
                    with self._lock:
                        run.full = True
                        run.lines.clear()
                    self._logger.info("run %s: the server's log for this run is full; further job.log() lines stay local", run.run_id)
                    return

    def _failed(self, run: _RunLog, batch: List[JSON], exc: BaseException) -> None:
        if is_transient(exc):
            with self._lock:
                run.lines[:0] = batch
                _trim(run)
            if not self._warned_unreachable:
                self._warned_unreachable = True
                self._logger.warning("cannot send log lines yet, will retry: %s", exc)
            return
        if isinstance(exc, ApiError) and (exc.status in (405, 501) or (exc.status == 404 and exc.code != "run_not_found")):
            with self._lock:
                self._unsupported_until = time.monotonic() + UNSUPPORTED_SECONDS
                for r in self._runs.values():
                    r.lines.clear()
            self._logger.warning(
                "the server does not accept run logs (%s); job.log() lines stay in the local log only", exc
            )
            return
        # The run is over or not this worker's (404/409), or the lines were refused (400/413):
        # these lines cannot be delivered.
        self._logger.debug("run %s: %d log line(s) not delivered: %s", run.run_id, len(batch), exc)


def _trim(run: _RunLog) -> None:
    """Keep the newest MAX_BACKLOG lines: a flood or a long outage must not eat the memory."""
    if len(run.lines) > MAX_BACKLOG:
        del run.lines[: len(run.lines) - MAX_BACKLOG]


def _take_batch(lines: List[JSON]) -> List[JSON]:
    """Remove and return the oldest lines that fit one request (at least one)."""
    count = 0
    size = 0
    for line in lines:
        n = len(line["message"].encode("utf-8")) + 80
        if count and (count >= BATCH_LINES or size + n > BATCH_BYTES):
            break
        count += 1
        size += n
    batch = lines[:count]
    del lines[:count]
    return batch
