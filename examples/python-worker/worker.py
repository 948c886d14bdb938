#!/usr/bin/env python3
"""A ScheduleZero worker in Python, standard library only (Python 3.9+).

It follows docs/protocol.md and nothing else: register, long-poll for as many jobs as it has
free slots, run each job in a thread with heartbeats (progress out, cancel_requested in),
report the outcome, and leave gracefully on SIGTERM / SIGINT.

    python3 worker.py --server http://127.0.0.1:8888 --concurrency 4
    SCHEDULEZERO_SERVER=... SCHEDULEZERO_TOKEN=... python3 worker.py

Copy it and replace the methods at the bottom with your own.
"""

import argparse
import http.client
import json
import logging
import os
import platform
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

log = logging.getLogger("schedulezero.worker")

JSON = Dict[str, Any]


# --- errors ------------------------------------------------------------------------------------


class ApiError(Exception):
    """The server answered with an error status: {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class Unreachable(Exception):
    """The server could not be reached, or did not answer in time."""


class StopPolling(BaseException):
    """Raised by the signal handler to interrupt a waiting long poll."""


class NonRetryableError(Exception):
    """Raise it from a method to fail the run without retries (bad input and the like)."""

    retryable = False


class JobStopped(Exception):
    """Raised inside a method when the job must stop (cancelled, timed out, shutting down)."""


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, Unreachable):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status in (408, 429))


class Backoff:
    """Exponential back-off with jitter for retrying while the server is unreachable."""

    def __init__(self, initial: float = 0.2, maximum: float = 5.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.current = initial

    def next(self) -> float:
        delay = self.current * (0.5 + random.random() / 2)
        self.current = min(self.maximum, self.current * 2)
        return delay

    def reset(self) -> None:
        self.current = self.initial


# --- the HTTP client ---------------------------------------------------------------------------


class Client:
    """One method per request; JSON in, JSON out; failures raised as ApiError or Unreachable."""

    def __init__(self, server: str, token: Optional[str], timeout: float = 30.0) -> None:
        self.server = server
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: Optional[JSON] = None, timeout: Optional[float] = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise self._api_error(err) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            reason = getattr(err, "reason", err)
            raise Unreachable(f"{method} {path}: cannot reach {self.server} ({reason})") from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise Unreachable(f"{method} {path}: the answer is not JSON") from None

    @staticmethod
    def _api_error(err: urllib.error.HTTPError) -> ApiError:
        code, message = f"http_{err.code}", str(err.reason)
        try:
            payload = json.loads(err.read() or b"{}")
            error = payload.get("error") if isinstance(payload, dict) else None
            if isinstance(error, dict):
                code = str(error.get("code", code))
                message = str(error.get("message", message))
        except (ValueError, OSError, http.client.HTTPException):
            pass
        return ApiError(err.code, code, message)


# --- one job -----------------------------------------------------------------------------------


def parse_time(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def error_of(exc: BaseException) -> JSON:
    error: JSON = {"message": (str(exc) or type(exc).__name__)[:10000], "type": type(exc).__name__[:200]}
    if getattr(exc, "retryable", True) is False:
        error["retryable"] = False
    return error


class Context:
    """What a method gets besides its params."""

    def __init__(self, job: "Job") -> None:
        self._job = job
        self.run_id: str = job.run_id
        self.schedule_id: Optional[str] = job.data.get("schedule_id")
        self.method: str = job.data["method"]
        self.attempt: int = job.data["attempt"]
        self.scheduled_at: Optional[datetime] = parse_time(job.data.get("scheduled_at"))
        self.deadline: Optional[datetime] = job.deadline

    @property
    def stop_reason(self) -> Optional[str]:
        """None while the job may go on; else cancelled, timeout, lost or shutdown."""
        return self._job.stop_reason

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True (at once) when the job must stop."""
        return self._job.stop_event.wait(seconds)

    def check(self) -> None:
        """Raise JobStopped when the job must stop."""
        if self._job.stop_event.is_set():
            raise JobStopped(f"job stopped: {self._job.stop_reason}")

    def progress(self, percent: Optional[float] = None, message: Optional[str] = None) -> None:
        """Report progress (0-100) and/or a message; sent with the next heartbeat."""
        with self._job.lock:
            if percent is not None:
                self._job.progress = max(0.0, min(100.0, float(percent)))
            if message is not None:
                self._job.message = str(message)[:1000]


class Job:
    """A job from its poll to its completion: a thread for the method, one for heartbeats."""

    def __init__(self, worker: "Worker", data: JSON, worker_id: str) -> None:
        self.worker = worker
        self.data = data
        self.run_id: str = data["run_id"]
        self.worker_id = worker_id
        self.deadline = parse_time(data.get("deadline"))
        self.lock = threading.Lock()
        self.progress: Optional[float] = None
        self.message: Optional[str] = None
        self.stop_event = threading.Event()
        self.stop_reason: Optional[str] = None
        self.finished = threading.Event()
        self._reported = False

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"job-{self.run_id}", daemon=True).start()

    def stop(self, reason: str, why: str) -> None:
        with self.lock:
            if self.stop_reason is not None:
                return
            self.stop_reason = reason
        if not self.finished.is_set():
            log.info("run %s: %s; stopping the job", self.run_id, why)
        self.stop_event.set()

    def claim_report(self) -> bool:
        """True once: whoever gets it reports the outcome (the job thread, or a shutdown)."""
        with self.lock:
            if self._reported:
                return False
            self._reported = True
            return True

    def _run(self) -> None:
        beats = threading.Thread(target=self._heartbeats, name=f"heartbeat-{self.run_id}", daemon=True)
        beats.start()
        try:
            outcome = self._execute()
            self.finished.set()
            if self.stop_reason in ("cancelled", "lost"):
                log.info("run %s: not reporting (the server has ended it or given it to another worker)", self.run_id)
            elif self.stop_reason == "timeout" and outcome["status"] == "failed":
                log.info("run %s: deadline passed; the server times it out", self.run_id)
            elif self.claim_report():
                self.worker.report(self, outcome)
        finally:
            self.finished.set()
            self.worker.job_done(self)

    def _execute(self) -> JSON:
        method = self.worker.methods.get(self.data["method"])
        if method is None:
            message = f'this worker has no method "{self.data["method"]}"'
            return {"status": "failed", "error": {"message": message, "type": "UnknownMethod", "retryable": False}}
        log.info("run %s: %s (attempt %s)", self.run_id, self.data["method"], self.data["attempt"])
        try:
            result = method(self.data.get("params") or {}, Context(self))
        except Exception as exc:  # the method failed: report it, retried per the run's policy
            if isinstance(exc, JobStopped) and self.stop_reason == "shutdown":
                exc = JobStopped("the worker stopped before the job finished")
            return {"status": "failed", "error": error_of(exc)}
        try:
            json.dumps(result)
        except (TypeError, ValueError) as exc:
            error = {"message": f"the result is not JSON: {exc}", "type": "InvalidResult", "retryable": False}
            return {"status": "failed", "error": error}
        return {"status": "succeeded", "result": result}

    def _heartbeats(self) -> None:
        interval = self.worker.heartbeat_seconds
        failures = 0
        while True:
            wait = interval
            watching_deadline = self.deadline is not None and self.stop_reason is None
            if watching_deadline:
                left = (self.deadline - datetime.now(timezone.utc)).total_seconds()
                wait = max(0.0, min(wait, left))
            if self.finished.wait(wait):
                return
            if watching_deadline and datetime.now(timezone.utc) >= self.deadline:
                self.stop("timeout", "the deadline has passed")
            with self.lock:
                body: JSON = {"worker_id": self.worker_id}
                if self.progress is not None:
                    body["progress"] = self.progress
                if self.message is not None:
                    body["message"] = self.message
            try:
                answer = self.worker.client.call("POST", f"/runs/{self.run_id}/heartbeat", body, timeout=max(2.0, 2 * interval))
                failures = 0
                if isinstance(answer, dict) and answer.get("cancel_requested"):
                    self.stop("cancelled", "cancel requested")
            except ApiError as exc:
                if exc.status in (404, 409):
                    self.stop("lost", f"the server no longer assigns the run to this worker ({exc.code})")
                elif exc.status == 401:
                    self.worker.unauthorized(exc)
                elif failures == 0:
                    log.warning("run %s: heartbeat failed (%s); retrying", self.run_id, exc)
                failures += 1
            except Unreachable as exc:
                if failures == 0:
                    log.warning("run %s: heartbeat failed (%s); retrying", self.run_id, exc)
                failures += 1


# --- the worker --------------------------------------------------------------------------------


class Worker:
    def __init__(
        self,
        client: Client,
        handler: str,
        methods: Dict[str, Callable[[JSON, Context], Any]],
        concurrency: int = 1,
        poll_wait: float = 30.0,
        grace: float = 30.0,
        name: Optional[str] = None,
    ) -> None:
        self.client = client
        self.handler = handler
        self.methods = methods
        self.concurrency = concurrency
        self.poll_wait = poll_wait
        self.grace = grace
        self.name = name or f"python:{platform.node()}:{os.getpid()}"
        self.worker_id: Optional[str] = None
        self.heartbeat_seconds = 10.0
        self.jobs: List[Job] = []
        self.changed = threading.Condition()
        # Set by the signal handler: a plain flag (a signal handler must not take locks).
        self.stop_requested = False
        self.polling = False
        self.fatal: Optional[str] = None
        self.give_up = threading.Event()

    # Signals arrive in the main thread, which is the one that polls.
    def on_signal(self, signum: int, frame: Any) -> None:
        if self.stop_requested:
            os.write(2, b"second signal: exiting without waiting for running jobs\n")
            os._exit(130)
        self.stop_requested = True
        if self.polling:
            raise StopPolling()

    def unauthorized(self, exc: ApiError) -> None:
        if self.fatal is None:
            hint = "check SCHEDULEZERO_TOKEN" if self.client.token else "set SCHEDULEZERO_TOKEN"
            self.fatal = f"the server refused the request ({exc}): {hint}"
            log.error("%s; stopping", self.fatal)
        self.stop_requested = True

    def nap(self, seconds: float) -> None:
        """Sleep, but wake up soon after a stop request."""
        end = time.monotonic() + seconds
        while not self.stop_requested and time.monotonic() < end:
            time.sleep(min(0.1, max(0.0, end - time.monotonic())))

    def register(self) -> bool:
        """Register; keeps trying while the server is unreachable. False when stopped first."""
        backoff, failures = Backoff(), 0
        while not self.stop_requested:
            try:
                answer = self.client.call(
                    "POST",
                    "/workers",
                    {
                        "handler": self.handler,
                        "methods": sorted(self.methods),
                        "concurrency": self.concurrency,
                        "name": self.name[:200],
                        "version": "python-example-1",
                    },
                )
                self.worker_id = answer["worker_id"]
                self.heartbeat_seconds = float(answer["heartbeat_seconds"])
                log.info(
                    "registered as %s: handler %s, methods %s, concurrency %d",
                    self.worker_id, self.handler, ", ".join(sorted(self.methods)), self.concurrency,
                )
                return True
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if failures == 0:
                    log.warning("cannot register yet (%s); retrying", exc)
                failures += 1
                self.nap(backoff.next())
        return False

    def run(self) -> int:
        """Poll and run jobs until stopped. Returns the process exit code."""
        try:
            if not self.register():
                return 0
        except ApiError as exc:
            if exc.status == 401:
                self.unauthorized(exc)
                return 1
            log.error("the server refused the registration: %s", exc)
            return 2
        backoff, failures = Backoff(), 0
        while not self.stop_requested:
            free = self.free_slots()
            if free == 0:
                continue
            worker_id = self.worker_id
            try:
                self.polling = True
                try:
                    answer = self.client.call(
                        "POST",
                        f"/workers/{worker_id}/poll",
                        {"max_jobs": free, "wait_seconds": self.poll_wait},
                        timeout=self.poll_wait + 30,
                    )
                finally:
                    self.polling = False
            except StopPolling:
                break
            except ApiError as exc:
                if exc.status == 404 and exc.code == "worker_not_found":
                    log.warning("the server does not know this worker (lost, or the database was reset): registering again")
                    try:
                        self.register()
                    except ApiError as err:
                        if err.status == 401:
                            self.unauthorized(err)
                        else:
                            self.fatal = f"registering again failed: {err}"
                            log.error(self.fatal)
                            self.stop_requested = True
                    continue
                if exc.status == 401:
                    self.unauthorized(exc)
                    break
                if failures == 0:
                    log.warning("poll failed (%s); retrying", exc)
                failures += 1
                self.nap(backoff.next())
                continue
            except Unreachable as exc:
                if failures == 0:
                    log.warning("poll failed (%s); retrying", exc)
                failures += 1
                self.nap(backoff.next())
                continue
            if failures:
                log.info("connected again")
            failures = 0
            backoff.reset()
            for data in (answer or {}).get("jobs", []):
                job = Job(self, data, worker_id)
                with self.changed:
                    self.jobs.append(job)
                job.start()
        self.shutdown()
        return 1 if self.fatal else 0

    def free_slots(self) -> int:
        """Free slots now; waits (briefly, to notice stop requests) while there are none."""
        with self.changed:
            free = self.concurrency - len(self.jobs)
            if free <= 0:
                self.changed.wait(0.1)
            return max(0, free)

    def job_done(self, job: Job) -> None:
        with self.changed:
            if job in self.jobs:
                self.jobs.remove(job)
            self.changed.notify_all()

    def wait_for_jobs(self, seconds: float) -> bool:
        """Wait until no job runs; False on timeout."""
        end = time.monotonic() + seconds
        with self.changed:
            while self.jobs and time.monotonic() < end:
                self.changed.wait(min(0.1, end - time.monotonic()))
            return not self.jobs

    def report(self, job: Job, outcome: JSON) -> None:
        """Send the outcome; retry while the server is unreachable (until a shutdown gives up)."""
        body = dict(outcome, worker_id=job.worker_id)
        backoff, failures = Backoff(), 0
        while True:
            try:
                answer = self.client.call("POST", f"/runs/{job.run_id}/complete", body)
                note = f", retry at {answer['retry_at']}" if answer.get("retry_at") else ""
                log.info("run %s: %s; the run is now %s%s", job.run_id, body["status"], answer.get("status"), note)
                return
            except ApiError as exc:
                if not is_transient(exc):
                    if exc.status == 409 and failures:
                        log.info("run %s: the server has the outcome already", job.run_id)
                    elif exc.status in (400, 413) and body["status"] == "succeeded":
                        message = f"the server refused the result: {exc}"
                        body = {"worker_id": job.worker_id, "status": "failed",
                                "error": {"message": message, "type": "InvalidResult", "retryable": False}}
                        continue
                    else:
                        log.warning("run %s: the server did not take the outcome: %s", job.run_id, exc)
                        if exc.status == 401:
                            self.unauthorized(exc)
                    return
                error: Exception = exc
            except Unreachable as exc:
                error = exc
            if failures == 0:
                log.warning("run %s: cannot report the outcome yet (%s); retrying", job.run_id, error)
            failures += 1
            if self.give_up.wait(backoff.next()):
                log.error("run %s: giving up reporting the outcome: the worker is stopping", job.run_id)
                return

    def shutdown(self) -> None:
        """Stop polling (done), let running jobs finish, stop them after the grace period, leave."""
        with self.changed:
            running = list(self.jobs)
        if running:
            log.info("stopping: waiting for %d running job(s) (grace %gs)", len(running), self.grace)
        else:
            log.info("stopping")
        if not self.wait_for_jobs(self.grace):
            with self.changed:
                running = list(self.jobs)
            log.warning("grace period over: stopping %d job(s)", len(running))
            for job in running:
                job.stop("shutdown", "the worker is stopping")
            if not self.wait_for_jobs(5.0):
                # Methods that ignore their stop request: report them failed and move on.
                with self.changed:
                    stuck = list(self.jobs)
                for job in stuck:
                    if job.claim_report():
                        error = {"message": "the worker stopped before the job finished", "type": "WorkerShutdown"}
                        threading.Thread(target=self.report, args=(job, {"status": "failed", "error": error}), daemon=True).start()
                        self.job_done(job)
        if not self.wait_for_jobs(10.0):
            self.give_up.set()
            self.wait_for_jobs(2.0)
        if self.worker_id:
            try:
                self.client.call("DELETE", f"/workers/{self.worker_id}", timeout=5)
                log.info("left the server")
            except (ApiError, Unreachable) as exc:
                if not (isinstance(exc, ApiError) and exc.status == 404):
                    log.warning("could not leave the server: %s", exc)


# --- the methods -------------------------------------------------------------------------------


def hello(params: JSON, ctx: Context) -> JSON:
    """{"name": "Ada"} -> {"greeting": "Hello, Ada!"}"""
    name = params.get("name") or "world"
    return {"greeting": f"Hello, {name}!"}


def add(params: JSON, ctx: Context) -> JSON:
    """{"a": 2, "b": 3} -> {"sum": 5}"""
    a, b = params.get("a"), params.get("b")
    for key, value in (("a", a), ("b", b)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise NonRetryableError(f"params.{key} must be a number")
    return {"sum": a + b}


def sleep(params: JSON, ctx: Context) -> JSON:
    """{"seconds": 10}: works a while, reports progress, stops when cancelled or timed out."""
    seconds = float(params.get("seconds", 5))
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= seconds:
            break
        ctx.progress(100 * elapsed / seconds, f"slept {elapsed:.1f} of {seconds:g} s")
        if ctx.wait(min(1.0, seconds - elapsed)):
            raise JobStopped(f"stopped after {elapsed:.1f} s ({ctx.stop_reason})")
    ctx.progress(100, "done")
    return {"slept_seconds": seconds}


def fail(params: JSON, ctx: Context) -> JSON:
    """Always fails, to show retries."""
    raise RuntimeError(params.get("message") or f"failed on purpose (attempt {ctx.attempt})")


METHODS: Dict[str, Callable[[JSON, Context], Any]] = {"hello": hello, "add": add, "sleep": sleep, "fail": fail}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="A ScheduleZero worker (Python, standard library only).")
    parser.add_argument("--server", default=os.environ.get("SCHEDULEZERO_SERVER", "http://127.0.0.1:8888"),
                        help="server URL (env SCHEDULEZERO_SERVER; default http://127.0.0.1:8888)")
    parser.add_argument("--token", default=os.environ.get("SCHEDULEZERO_TOKEN") or None,
                        help="API token (env SCHEDULEZERO_TOKEN)")
    parser.add_argument("--handler", default="pydemo", help="handler name (default pydemo)")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once (default 4)")
    parser.add_argument("--poll-wait", type=float, default=30.0, help="seconds one long poll waits (0-60, default 30)")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds running jobs get on stop (default 30)")
    parser.add_argument("--verbose", action="store_true", help="log debug output")
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    worker = Worker(
        Client(args.server, args.token),
        args.handler,
        METHODS,
        concurrency=args.concurrency,
        poll_wait=max(0.0, min(60.0, args.poll_wait)),
        grace=args.grace,
    )
    signal.signal(signal.SIGTERM, worker.on_signal)
    signal.signal(signal.SIGINT, worker.on_signal)
    log.info("connecting to %s (Ctrl-C to stop)", args.server)
    return worker.run()


if __name__ == "__main__":
    sys.exit(main())
