"""One job: what a method sees of it (:class:`Job`) and how the worker runs it (``JobRun``)."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from .backoff import Backoff
from .errors import ApiError, JobStopped, RequestAborted, is_api_error, is_transient

if TYPE_CHECKING:  # pragma: no cover
    from .worker import Worker

JSON = Dict[str, Any]
Method = Callable[[JSON, "Job"], Any]

#: The server's body limit is 1 MiB; a result must leave room for the rest of the body.
MAX_RESULT_BYTES = 1_000_000
MAX_ERROR_MESSAGE = 10_000
MAX_ERROR_TYPE = 200
MAX_PROGRESS_MESSAGE = 1000
#: Progress reports in quick succession are coalesced: at most one heartbeat per gap.
HEARTBEAT_GAP_SECONDS = 0.1

STOP_REASONS = ("cancelled", "timeout", "lost", "shutdown")


def parse_time(value: Any) -> Optional[datetime]:
    """An ISO-8601 time from the server as an aware datetime (``Z`` is not accepted by 3.9/3.10)."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_of(exc: BaseException) -> JSON:
    """An exception as the protocol's error object: message and type, never a traceback."""
    name = type(exc).__name__
    error: JSON = {"message": _truncate(str(exc) or name, MAX_ERROR_MESSAGE), "type": _truncate(name, MAX_ERROR_TYPE)}
    if getattr(exc, "retryable", True) is False:
        error["retryable"] = False
    return error


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} is not a JSON value")


class Job:
    """What a method gets besides its params: who it runs for, when to stop, how to report.

    Attributes:
        run_id: The run's id.
        schedule_id: The schedule that fired the run; ``None`` for one-off runs.
        method: The method name.
        attempt: 1 for the first attempt, 2 for the first retry, ...
        scheduled_at: When the run was due (aware ``datetime``, UTC).
        deadline: When the server times this attempt out (``None``: no timeout). ``cancelled``
            is set then.
        params: The run's params (the same dict the method gets).
        worker_id: The worker id this job was handed to.
        cancelled: A ``threading.Event`` set when the job should stop: the run was cancelled,
            its deadline passed, the server gave it to another worker, or the worker is
            stopping and its grace period is over. ``stop_reason`` says which.
    """

    def __init__(self, data: JSON, worker_id: str, run: "JobRun") -> None:
        self._run = run
        self.run_id: str = data["run_id"]
        self.schedule_id: Optional[str] = data.get("schedule_id") if isinstance(data.get("schedule_id"), str) else None
        self.method: str = data["method"]
        self.attempt: int = data["attempt"]
        self.scheduled_at: Optional[datetime] = parse_time(data.get("scheduled_at"))
        self.deadline: Optional[datetime] = parse_time(data.get("deadline"))
        self.params: JSON = data.get("params") or {}
        self.worker_id: str = worker_id
        self.cancelled: threading.Event = threading.Event()

    @property
    def stop_reason(self) -> Optional[str]:
        """``None`` while the job may go on; else ``cancelled``, ``timeout``, ``lost`` or ``shutdown``."""
        return self._run.stop_reason

    def check(self) -> None:
        """Raise :class:`JobStopped` when the job should stop; a cheap call for loops."""
        reason = self._run.stop_reason
        if reason is not None:
            raise JobStopped(reason)

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``; raise :class:`JobStopped` at once when the job should stop."""
        if self.cancelled.wait(seconds):
            self.check()

    def progress(self, percent: Optional[float] = None, message: Optional[str] = None) -> None:
        """Report progress (0 to 100) and/or a short message, shown on the run.

        Sent with a heartbeat right away (coalesced when called often); never raises and never
        blocks on the network.
        """
        self._run.set_progress(percent, message)

    def log(self, message: str) -> None:
        """A log line for the run: sent to the server in batches, and to the worker's logger.

        Best effort: the job never waits for it and never fails because of it.
        """
        self._run.add_log(str(message))


class JobRun:
    """One job, from the poll that handed it out to its completion.

    Runs the method, heartbeats (with progress) every heartbeat interval in a thread of its own,
    sets ``job.cancelled`` on cancel / deadline / lost ownership / shutdown, and reports the
    outcome, retrying while the server is unreachable. A part of the worker: it uses the
    worker's client, completer and log shipper.
    """

    def __init__(self, data: JSON, worker_id: str, worker: "Worker", method: Optional[Method]) -> None:
        self.data = data
        self.run_id: str = data["run_id"]
        self.worker_id = worker_id
        self._worker = worker
        self._method = method
        self._lock = threading.Lock()
        self.stop_reason: Optional[str] = None
        self.job = Job(data, worker_id, self)
        self._finished = threading.Event()
        self._wake = threading.Event()
        self._progress: Optional[float] = None
        self._message: Optional[str] = None
        #: Progress was reported and not sent yet.
        self._dirty = False
        self._reported = False
        #: Set when the job is over and its outcome reported (or given up).
        self.done = threading.Event()

    # --- called from the method's thread or the worker ----------------------------------------

    def stop(self, reason: str, why: str) -> None:
        """Set ``job.cancelled`` (the first reason wins)."""
        with self._lock:
            if self.stop_reason is not None:
                return
            self.stop_reason = reason
        if not self._finished.is_set():
            self._worker.logger.info("run %s: %s; job.cancelled is set (%s)", self.run_id, why, reason)
        self.job.cancelled.set()

    def set_progress(self, percent: Optional[float], message: Optional[str]) -> None:
        with self._lock:
            if isinstance(percent, (int, float)) and not isinstance(percent, bool) and percent == percent:
                self._progress = max(0.0, min(100.0, float(percent)))
            if message is not None:
                self._message = _truncate(str(message), MAX_PROGRESS_MESSAGE)
            self._dirty = True
        self._wake.set()

    def add_log(self, message: str) -> None:
        self._worker.logger.info("run %s: %s", self.run_id, message)
        self._worker._logs.add(self.run_id, self.job.attempt, self.worker_id, message, now_iso())

    def claim_report(self) -> bool:
        """True once: whoever gets it reports the outcome (the job itself, or a shutdown)."""
        with self._lock:
            if self._reported:
                return False
            self._reported = True
            return True

    def abandon(self) -> None:
        """The method ignores its stop request and the worker is leaving: report it failed now."""
        if self.claim_report():
            self._finished.set()
            error = {"message": "the worker stopped before the job finished", "type": "WorkerShutdown"}
            self.report({"status": "failed", "error": error})

    # --- the job's own thread -----------------------------------------------------------------

    def run(self) -> None:
        """Run the method and report; called on a pool thread."""
        beats = threading.Thread(target=self._heartbeats, name=f"heartbeat-{self.run_id}", daemon=True)
        beats.start()
        try:
            outcome = self._execute()
            self._finished.set()
            self._wake.set()
            reason = self.stop_reason
            if reason in ("cancelled", "lost"):
                self._worker.logger.info("run %s: not reported (the server ended it or gave it to another worker)", self.run_id)
            elif reason == "timeout" and outcome["status"] == "failed":
                self._worker.logger.info("run %s: its deadline passed; the server times it out", self.run_id)
            elif self.claim_report():
                self._worker._logs.flush(self.run_id)
                self.report(outcome)
        except Exception:  # a bug here must not kill the pool thread
            self._worker.logger.exception("run %s: the worker failed handling the job", self.run_id)
        finally:
            self._finished.set()
            self._wake.set()
            self._worker._logs.discard(self.run_id)
            self.done.set()

    def _execute(self) -> JSON:
        logger = self._worker.logger
        if self._method is None:
            message = f'this worker has no method "{self.job.method}"'
            return {"status": "failed", "error": {"message": message, "type": "UnknownMethod", "retryable": False}}
        logger.debug("run %s: %s started (attempt %d)", self.run_id, self.job.method, self.job.attempt)
        started = time.monotonic()
        try:
            value = self._method(self.job.params, self.job)
        except BaseException as exc:  # SystemExit too: a method's sys.exit() fails its job, not the worker
            # The traceback stays in the local log; the server gets the message and type only.
            if isinstance(exc, JobStopped) and self.stop_reason is not None:
                logger.info("run %s: stopped (%s)", self.run_id, self.stop_reason)
            elif getattr(exc, "retryable", True) is False:
                logger.info("run %s: %s failed without retry: %s", self.run_id, self.job.method, exc)
            else:
                logger.warning("run %s: %s failed (attempt %d)", self.run_id, self.job.method, self.job.attempt, exc_info=True)
            return {"status": "failed", "error": error_of(exc)}
        logger.debug("run %s: %s done in %.3f s", self.run_id, self.job.method, time.monotonic() - started)
        try:
            text = json.dumps(value, default=_json_default, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            error = {"message": f"the result is not JSON: {exc}", "type": "InvalidResult", "retryable": False}
            return {"status": "failed", "error": error}
        size = len(text.encode("utf-8"))
        if size > MAX_RESULT_BYTES:
            error = {"message": f"the result is too large ({size} bytes as JSON)", "type": "ResultTooLarge", "retryable": False}
            return {"status": "failed", "error": error}
        return {"status": "succeeded", "result": json.loads(text)}

    def _heartbeats(self) -> None:
        interval = self._worker.heartbeat_seconds
        timeout = min(30.0, max(2.0, interval * 2))
        deadline = self.job.deadline
        next_beat = time.monotonic() + interval
        failures = 0
        while not self._finished.is_set():
            wait = next_beat - time.monotonic()
            if deadline is not None and self.stop_reason is None:
                wait = min(wait, (deadline - datetime.now(timezone.utc)).total_seconds())
            if wait > 0:
                self._wake.wait(wait)
            # Cleared before _dirty is read: a progress report that comes in between is not lost.
            self._wake.clear()
            if self._finished.is_set():
                return
            if deadline is not None and self.stop_reason is None and datetime.now(timezone.utc) >= deadline:
                self.stop("timeout", f"the deadline {self.data.get('deadline')} has passed")
            with self._lock:
                if not self._dirty and time.monotonic() < next_beat:
                    continue
                self._dirty = False
                body: JSON = {"worker_id": self.worker_id, "attempt": self.job.attempt}
                if self._progress is not None:
                    body["progress"] = self._progress
                if self._message is not None:
                    body["message"] = self._message
            try:
                if self._worker._client.heartbeat(self.run_id, body, timeout=timeout):
                    self.stop("cancelled", "the run was cancelled or timed out on the server")
                if failures:
                    self._worker.logger.info("run %s: heartbeats get through again", self.run_id)
                failures = 0
            except Exception as exc:
                if self._finished.is_set():
                    return
                if is_api_error(exc, 404):
                    self.stop("lost", "the server does not know this run")
                elif is_api_error(exc, 409):
                    self.stop("lost", "the run is no longer assigned to this worker")
                elif isinstance(exc, ApiError) and exc.status == 401:
                    self._worker._unauthorized(exc)
                elif failures == 0:
                    self._worker.logger.warning("run %s: heartbeat failed, will retry: %s", self.run_id, exc)
                failures += 1
            next_beat = time.monotonic() + interval
            # Progress reported in a burst goes out with one heartbeat per gap.
            self._finished.wait(HEARTBEAT_GAP_SECONDS)

    # --- reporting ----------------------------------------------------------------------------

    def report(self, outcome: JSON) -> None:
        """Send the outcome; retry while the server cannot be reached (until a shutdown gives up)."""
        worker = self._worker
        logger = worker.logger
        body: JSON = dict(outcome, worker_id=self.worker_id, attempt=self.job.attempt)
        backoff = Backoff()
        failures = 0
        while True:
            try:
                if failures == 0:
                    answer = worker._completer.complete(self.run_id, body)
                else:
                    answer = worker._client.complete(self.run_id, body)
                if failures:
                    logger.info("run %s: completion delivered", self.run_id)
                retry = f", retry at {answer['retry_at']}" if answer.get("retry_at") else ""
                logger.info("run %s: %s; the run is now %s%s", self.run_id, body["status"], answer.get("status"), retry)
                return
            except Exception as exc:
                if is_transient(exc):
                    if failures == 0:
                        logger.warning("run %s: cannot report the job yet, retrying: %s", self.run_id, exc)
                    failures += 1
                    if worker._give_up.wait(backoff.next()):
                        logger.error("run %s: gave up reporting the job: the worker is stopping and the server cannot be reached", self.run_id)
                        return
                    continue
                if is_api_error(exc, 409) and failures:
                    # The first try may have arrived although its answer was lost.
                    logger.info("run %s: the server has the run's outcome already: %s", self.run_id, exc)
                    return
                if is_api_error(exc, 404) or is_api_error(exc, 409):
                    logger.warning("run %s: the server did not take the job's outcome: %s", self.run_id, exc)
                    return
                if isinstance(exc, ApiError) and exc.status == 401:
                    worker._unauthorized(exc)
                    return
                if isinstance(exc, ApiError) and body["status"] == "succeeded":
                    # 400 or 413: the result was refused. Report that, so that the run does not hang.
                    message = _truncate(f"the server refused the result: {exc.message}", MAX_ERROR_MESSAGE)
                    body = {"worker_id": self.worker_id, "attempt": self.job.attempt, "status": "failed",
                            "error": {"message": message, "type": "InvalidResult", "retryable": False}}
                    continue
                if isinstance(exc, RequestAborted):
                    return
                logger.error("run %s: the server refused the job's outcome: %s", self.run_id, exc)
                return
