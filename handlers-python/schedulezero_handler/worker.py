"""The worker: registers the handler's methods, long-polls for jobs, runs them on a thread pool."""

from __future__ import annotations

import json
import logging
import os
import platform
import queue
import re
import signal
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set

from .backoff import Backoff
from .client import Abort, ProtocolClient
from .completer import Completer
from .errors import ApiError, RequestAborted, WorkerError, is_api_error, is_transient
from .job import JobRun, Method
from .logship import LogShipper

JSON = Dict[str, Any]

DEFAULT_SERVER = "http://127.0.0.1:8888"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")
MAX_JOBS = 1000
MAX_POLL_WAIT = 60.0
#: Methods that ignore their stop request get this long after it before they are abandoned.
ABANDON_AFTER_SECONDS = 5.0
#: After that, completions that cannot be delivered are retried this long.
REPORT_AFTER_SECONDS = 10.0
LEAVE_TIMEOUT_SECONDS = 5.0

STATES = ("idle", "starting", "running", "stopping", "stopped")


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str) or not (1 <= len(name) <= 128) or not NAME_PATTERN.match(name):
        raise ValueError(
            f'{kind} "{name}" is not a valid name: 1 to 128 letters, digits and . _ : @ / -, '
            "starting with a letter or digit"
        )


class _MethodSpec:
    def __init__(self, fn: Method, params_schema: Optional[JSON], description: Optional[str]) -> None:
        self.fn = fn
        self.params_schema = params_schema
        self.description = description


class _Pool:
    """``size`` daemon threads that run jobs from a queue.

    Daemon threads, not concurrent.futures: its threads are joined when the interpreter exits, so
    one method that ignores its stop request would keep a stopped worker's process alive forever.
    """

    def __init__(self, size: int) -> None:
        self._queue: "queue.Queue[Optional[Callable[[], None]]]" = queue.Queue()
        self._size = size
        for i in range(size):
            threading.Thread(target=self._serve, name=f"schedulezero-job-{i + 1}", daemon=True).start()

    def submit(self, task: Callable[[], None]) -> None:
        self._queue.put(task)

    def close(self) -> None:
        for _ in range(self._size):
            self._queue.put(None)

    def _serve(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            try:
                task()
            except BaseException:  # noqa: B036 - a pool thread must outlive any job
                logging.getLogger("schedulezero_handler").exception("a job thread failed")


class Worker:
    """A ScheduleZero pull worker for one handler.

    It registers the handler's methods (with their params schemas and descriptions), long-polls
    for as many jobs as it has free slots, runs each job on a pool of ``concurrency`` threads
    with heartbeats, and reports the outcome. It rides out an unreachable or restarting server
    (back-off and retry), registers again when the server forgot it, and stops gracefully.

    Args:
        handler: The handler name schedules target.
        server: Base URL of the server. Default: ``$SCHEDULEZERO_SERVER``, else
            ``http://127.0.0.1:8888``.
        token: API token, sent as ``Authorization: Bearer <token>``. Default:
            ``$SCHEDULEZERO_TOKEN`` (pass ``""`` to send none).
        concurrency: Jobs run at once (1 to 1000). Default 1.
        methods: Methods by name, as an alternative to the :meth:`method` decorator.
        name: Shown in the portal next to the worker. Default: ``python:<host>:<pid>``.
        version: Shown in the portal next to the worker.
        poll_wait_seconds: How long one long poll waits for work (0 to 60). Default 30.
        shutdown_grace_seconds: :meth:`stop` lets running jobs finish this long before it sets
            their ``job.cancelled``. Default 30.
        request_timeout_seconds: Requests (polls get this on top of their wait) that take longer
            count as failed to connect. Default 30.
        logger: Where the worker logs. Default: ``logging.getLogger("schedulezero_handler")``.
        ssl_context: For ``https://`` servers with a private CA, e.g.
            ``ssl.create_default_context(cafile=...)``.
        liveness_file: A file whose modification time the worker renews at least once per poll
            (about every ``poll_wait_seconds``) while it registers and polls, for liveness probes
            that check its age (see the Kubernetes deployment docs).
    """

    def __init__(
        self,
        handler: str,
        server: Optional[str] = None,
        token: Optional[str] = None,
        concurrency: int = 1,
        *,
        methods: Optional[Mapping[str, Method]] = None,
        name: Optional[str] = None,
        version: Optional[str] = None,
        poll_wait_seconds: float = 30.0,
        shutdown_grace_seconds: float = 30.0,
        request_timeout_seconds: float = 30.0,
        logger: Optional[logging.Logger] = None,
        ssl_context: Any = None,
        liveness_file: Optional[str] = None,
    ) -> None:
        _check_name("handler", handler)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not (1 <= concurrency <= MAX_JOBS):
            raise ValueError(f"concurrency must be an integer from 1 to {MAX_JOBS}, not {concurrency!r}")
        if not (0 <= poll_wait_seconds <= MAX_POLL_WAIT):
            raise ValueError(f"poll_wait_seconds must be from 0 to 60, not {poll_wait_seconds!r}")
        if shutdown_grace_seconds < 0:
            raise ValueError("shutdown_grace_seconds must not be negative")
        if request_timeout_seconds <= 0:
            raise ValueError("request_timeout_seconds must be positive")

        self.handler = handler
        self.concurrency = concurrency
        self.server = server or os.environ.get("SCHEDULEZERO_SERVER") or DEFAULT_SERVER
        resolved_token = token if token is not None else os.environ.get("SCHEDULEZERO_TOKEN")
        self.name = (name or f"python:{platform.node()}:{os.getpid()}")[:200]
        self.version = version[:100] if version else None
        self.logger = logger or logging.getLogger("schedulezero_handler")
        self._client = ProtocolClient(self.server, resolved_token, request_timeout_seconds, ssl_context)
        self._completer = Completer(self._client)
        #: Seconds between heartbeats, as the server asked at registration.
        self.heartbeat_seconds = 10.0
        #: Unseen this long, the server declares the worker lost (as it said at registration).
        self.lease_seconds = 30.0
        #: Set late in a stop: completions that cannot be delivered are no longer retried.
        self._give_up = threading.Event()
        self._logs: LogShipper  # created by start(): it owns a thread

        self._poll_wait = float(poll_wait_seconds)
        self._grace = float(shutdown_grace_seconds)
        self._methods: Dict[str, _MethodSpec] = {}
        self._lock = threading.Lock()
        self._slots = threading.Condition()
        self._jobs: Set[JobRun] = set()
        self._state = "idle"
        self._worker_id: Optional[str] = None
        self._fatal: Optional[WorkerError] = None
        self._stopping = threading.Event()
        self._abort = Abort()
        self._registered = threading.Event()
        self._stopped = threading.Event()
        self._runner: Optional[threading.Thread] = None
        self._stopper: Optional[threading.Thread] = None
        self._pool: Optional[_Pool] = None
        self._liveness_file = liveness_file
        self._liveness_warned = False

        for method_name, fn in (methods or {}).items():
            self.add_method(method_name, fn)

    # --- methods ----------------------------------------------------------------------------

    def method(
        self,
        name: Any = None,
        *,
        params_schema: Optional[JSON] = None,
        description: Optional[str] = None,
    ) -> Any:
        """Decorator: register the function as a method, called as ``fn(params, job)``.

        ``@worker.method("build", params_schema={...}, description="...")``; the name defaults
        to the function's (``@worker.method()`` or plain ``@worker.method``). The schema (a JSON
        Schema of the params object) and the description are sent when the worker registers:
        the server then refuses runs and schedules whose params break the schema (400).
        """
        if callable(name):
            fn = name
            self.add_method(fn.__name__, fn, params_schema=params_schema, description=description)
            return fn

        def decorate(fn: Method) -> Method:
            self.add_method(name or getattr(fn, "__name__", ""), fn, params_schema=params_schema, description=description)
            return fn

        return decorate

    def add_method(
        self,
        name: str,
        fn: Method,
        *,
        params_schema: Optional[JSON] = None,
        description: Optional[str] = None,
    ) -> None:
        """Register ``fn`` (called as ``fn(params, job)``) as the method ``name``."""
        _check_name("method", name)
        if not callable(fn):
            raise TypeError(f'method "{name}" is not callable')
        if params_schema is not None:
            if not isinstance(params_schema, dict):
                raise TypeError(f'params_schema of method "{name}" must be a dict (a JSON Schema)')
            try:
                json.dumps(params_schema, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise TypeError(f'params_schema of method "{name}" is not JSON: {exc}') from None
        if description is not None and (not isinstance(description, str) or len(description) > 2000):
            raise ValueError(f'description of method "{name}" must be a string of at most 2000 characters')
        with self._lock:
            if self._state != "idle":
                raise RuntimeError("methods cannot be added once the worker has started")
            if name in self._methods:
                raise ValueError(f'method "{name}" is registered already')
            self._methods[name] = _MethodSpec(fn, params_schema, description)

    @property
    def methods(self) -> List[str]:
        """The method names, sorted."""
        return sorted(self._methods)

    # --- state ------------------------------------------------------------------------------

    @property
    def id(self) -> Optional[str]:
        """The id the server gave this worker (it changes when the worker registers again)."""
        return self._worker_id

    @property
    def state(self) -> str:
        """``idle``, ``starting``, ``running``, ``stopping`` or ``stopped``."""
        return self._state

    @property
    def running(self) -> int:
        """Jobs running now (including those whose outcome is being reported)."""
        with self._slots:
            return len(self._jobs)

    @property
    def fatal_error(self) -> Optional[WorkerError]:
        """The error that stopped the worker on its own (refused registration or token), if any."""
        return self._fatal

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, wait: bool = True) -> None:
        """Register and start polling (in background threads).

        With ``wait`` (the default) it returns once registered, retrying while the server cannot
        be reached, and raises :class:`WorkerError` when the server refuses the registration (a
        wrong token, an invalid schema). It returns without starting when :meth:`stop` is called
        meanwhile. With ``wait=False`` it returns at once; a refusal then stops the worker and is
        in :attr:`fatal_error`.
        """
        with self._lock:
            if self._state == "idle":
                if not self._methods:
                    raise RuntimeError("a worker needs at least one method (use @worker.method)")
                self._state = "starting"
                self._logs = LogShipper(self._client, self.logger)
                self._pool = _Pool(self.concurrency)
                self._runner = threading.Thread(target=self._main, name="schedulezero-poll", daemon=True)
                self._runner.start()
            elif self._state not in ("starting", "running"):
                raise RuntimeError(f"the worker cannot start: it is {self._state}")
        if not wait:
            return
        self._registered.wait()
        if self._fatal is not None:
            self._stopped.wait()
            raise self._fatal

    def stop(self, grace: Optional[float] = None, timeout: Optional[float] = None) -> bool:
        """Stop gracefully and wait until stopped; safe to call more than once.

        Stops polling, lets running jobs finish for ``grace`` seconds (default: the worker's
        ``shutdown_grace_seconds``), then sets their ``job.cancelled`` (reason ``shutdown``) and
        reports them failed, then leaves the server. Returns False if ``timeout`` passed first.
        """
        self._begin_stop(grace)
        return self._stopped.wait(timeout)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait until the worker has stopped (by :meth:`stop`, a signal, or a fatal error)."""
        return self._stopped.wait(timeout)

    def run(self) -> int:
        """Start, run until SIGTERM/SIGINT (or a fatal error), stop gracefully; blocking.

        Returns the process exit code: 0 after a graceful stop, 1 when the server refused the
        worker (the reason is logged). Use it as ``sys.exit(worker.run())``. Installs signal
        handlers when called from the main thread, and sets up ``logging`` (INFO on stderr) if
        the program has not.
        """
        if not logging.getLogger().handlers and self.logger.level == logging.NOTSET:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        uninstall: Callable[[], None] = lambda: None
        if threading.current_thread() is threading.main_thread():
            uninstall = self.install_signal_handlers()
        try:
            self.logger.info("connecting to %s as handler %s (Ctrl-C to stop)", self.server, self.handler)
            self.start(wait=False)
            # Short waits: the main thread must come back to Python now and then for signals.
            while not self._stopped.wait(0.5):
                pass
            if self._fatal is not None:
                return 1
            return 0
        finally:
            uninstall()

    def install_signal_handlers(self, signals: Optional[Iterable[int]] = None) -> Callable[[], None]:
        """SIGTERM and SIGINT stop the worker gracefully; a second signal exits at once (130).

        Call from the main thread. Returns a function that puts the previous handlers back.
        """
        chosen = list(signals) if signals is not None else [signal.SIGTERM, signal.SIGINT]
        received: List[int] = []

        # A signal handler runs between two bytecodes of the main thread, which may hold any lock
        # at that moment: it only records the signal, and a watcher thread acts on it.
        def on_signal(signum: int, frame: Any) -> None:
            if received:
                os.write(2, b"schedulezero_handler: second signal: exiting without waiting for running jobs\n")
                os._exit(130)
            received.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in chosen}

        def watch() -> None:
            while not self._stopped.wait(0.1):
                if received:
                    name = signal.Signals(received[0]).name
                    self.logger.info(
                        "%s: stopping (finishing %d running job(s); send it again to exit at once)", name, self.running
                    )
                    self._begin_stop(None)
                    return

        threading.Thread(target=watch, name="schedulezero-signals", daemon=True).start()

        def uninstall() -> None:
            for s, handler in previous.items():
                signal.signal(s, handler)

        return uninstall

    # --- internals: registration and polling --------------------------------------------------

    def _registration_body(self) -> JSON:
        body: JSON = {
            "handler": self.handler,
            "methods": self.methods,
            "concurrency": self.concurrency,
            "name": self.name,
        }
        if self.version:
            body["version"] = self.version
        info: JSON = {}
        for method_name, spec in self._methods.items():
            entry: JSON = {}
            if spec.description is not None:
                entry["description"] = spec.description
            if spec.params_schema is not None:
                entry["params_schema"] = spec.params_schema
            if entry:
                info[method_name] = entry
        if info:
            body["method_info"] = info
        return body

    def _register(self) -> bool:
        """Register, retrying while the server cannot be reached. False when it cannot go on."""
        backoff = Backoff()
        failures = 0
        while not self._stopping.is_set():
            self._touch_liveness()
            try:
                answer = self._client.register(self._registration_body(), abort=self._abort)
            except RequestAborted:
                return False
            except Exception as exc:
                if self._stopping.is_set():
                    return False
                if is_transient(exc):
                    if failures == 0:
                        self.logger.warning("cannot register yet, retrying: %s", exc)
                    failures += 1
                    self._stopping.wait(backoff.next())
                    continue
                if isinstance(exc, ApiError) and exc.status == 401:
                    self._unauthorized(exc)
                else:
                    field = f" (field {exc.field})" if isinstance(exc, ApiError) and exc.field else ""
                    self._fail(WorkerError(f"the server refused the registration: {exc}{field}"))
                return False
            self._worker_id = answer["worker_id"]
            self.heartbeat_seconds = max(0.05, float(answer["heartbeat_seconds"]))
            lease = answer.get("lease_seconds")
            if isinstance(lease, (int, float)) and lease > 0:
                self.lease_seconds = float(lease)
            self.logger.info(
                "registered as %s: handler %s, methods %s, concurrency %d",
                self._worker_id, self.handler, ", ".join(self.methods), self.concurrency,
            )
            return True
        return False

    def _main(self) -> None:
        ok = False
        try:
            ok = self._register()
        except Exception as exc:  # a bug; the caller of start() must not wait forever
            self.logger.exception("registering failed")
            self._fail(WorkerError(f"registering failed: {exc}"))
        finally:
            if self._stopping.is_set() or self._fatal is not None:
                ok = False
            with self._lock:
                # A stop that began meanwhile has set "stopping": keep that.
                if ok and self._state == "starting":
                    self._state = "running"
            self._registered.set()
        if ok:
            self._loop()

    def _loop(self) -> None:
        backoff = Backoff()
        failures = 0
        while not self._stopping.is_set():
            self._touch_liveness()
            with self._slots:
                free = self.concurrency - len(self._jobs)
                if free <= 0:
                    self._slots.wait(1.0)
                    continue
            worker_id = self._worker_id
            assert worker_id is not None
            try:
                jobs = self._client.poll(worker_id, free, self._poll_wait, abort=self._abort)
            except RequestAborted:
                return
            except Exception as exc:
                if self._stopping.is_set():
                    return
                if is_api_error(exc, 404, "worker_not_found"):
                    self.logger.warning(
                        "the server does not know this worker %s (lost, or the database was reset): registering again",
                        worker_id,
                    )
                    if not self._register():
                        return
                    continue
                if isinstance(exc, ApiError) and exc.status == 401:
                    self._unauthorized(exc)
                    return
                if failures == 0:
                    retrying = "retrying" if is_transient(exc) else "retrying (this looks like a bug)"
                    self.logger.warning("poll failed, %s: %s", retrying, exc)
                failures += 1
                self._stopping.wait(backoff.next())
                continue
            if failures:
                self.logger.info("connected again")
            failures = 0
            backoff.reset()
            if len(jobs) > free:
                self.logger.warning("the server sent %d jobs for %d free slot(s)", len(jobs), free)
            for data in jobs:
                self._start_job(data, worker_id)

    def _touch_liveness(self) -> None:
        if self._liveness_file is None:
            return
        try:
            with open(self._liveness_file, "a"):
                pass
            os.utime(self._liveness_file, None)
        except OSError as exc:
            if not self._liveness_warned:
                self._liveness_warned = True
                self.logger.warning("cannot update the liveness file %s: %s", self._liveness_file, exc)

    def _start_job(self, data: JSON, worker_id: str) -> None:
        spec = self._methods.get(data["method"])
        run = JobRun(data, worker_id, self, spec.fn if spec else None)
        with self._slots:
            self._jobs.add(run)
        assert self._pool is not None

        def task() -> None:
            try:
                run.run()
            finally:
                self._job_done(run)

        self._pool.submit(task)

    def _job_done(self, run: JobRun) -> None:
        with self._slots:
            self._jobs.discard(run)
            self._slots.notify_all()

    # --- internals: errors and stopping -------------------------------------------------------

    def _unauthorized(self, exc: ApiError) -> None:
        """A 401: the token is missing or wrong. Stops the worker with a clear error."""
        if self._client.has_token:
            message = f"the server refused the API token ({exc.status} {exc.code}): check the token (SCHEDULEZERO_TOKEN)"
        else:
            message = f"the server requires an API token ({exc.status} {exc.code}): pass token= or set SCHEDULEZERO_TOKEN"
        self._fail(WorkerError(message))

    def _fail(self, error: WorkerError) -> None:
        with self._lock:
            if self._fatal is not None:
                return
            self._fatal = error
        self.logger.error("%s; stopping the worker", error)
        self._begin_stop(None)

    def _begin_stop(self, grace: Optional[float]) -> None:
        with self._lock:
            if self._stopper is not None:
                return
            if self._state == "idle":
                self._state = "stopped"
                self._registered.set()
                self._stopped.set()
                return
            self._state = "stopping"
            self._stopper = threading.Thread(
                target=self._shutdown, args=(self._grace if grace is None else grace,), name="schedulezero-stop", daemon=True
            )
            self._stopper.start()

    def _wait_jobs(self, seconds: float) -> bool:
        """Wait until no job runs; False on timeout."""
        end = time.monotonic() + seconds
        with self._slots:
            while self._jobs:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._slots.wait(left)
            return True

    def _running_jobs(self) -> List[JobRun]:
        with self._slots:
            return list(self._jobs)

    def _shutdown(self, grace: float) -> None:
        try:
            self._stopping.set()
            self._abort.abort()
            with self._slots:
                self._slots.notify_all()
            if self._runner is not None and self._runner is not threading.current_thread():
                self._runner.join()

            running = self._running_jobs()
            if running:
                self.logger.info("stopping: waiting up to %g s for %d running job(s)", grace, len(running))
            if not self._wait_jobs(grace):
                running = self._running_jobs()
                self.logger.warning("grace period over: stopping %d running job(s)", len(running))
                for run in running:
                    run.stop("shutdown", "the worker is stopping")
                if not self._wait_jobs(ABANDON_AFTER_SECONDS):
                    for run in self._running_jobs():
                        threading.Thread(target=self._abandon, args=(run,), daemon=True).start()
            if not self._wait_jobs(REPORT_AFTER_SECONDS):
                self._give_up.set()
                self._wait_jobs(2.0)

            self._logs.close(timeout=3.0)
            if self._pool is not None:
                self._pool.close()
            worker_id = self._worker_id
            if worker_id is not None:
                try:
                    self._client.leave(worker_id, timeout=LEAVE_TIMEOUT_SECONDS)
                    self.logger.info("left the server (worker %s)", worker_id)
                except Exception as exc:
                    if not is_api_error(exc, 404):
                        self.logger.warning("could not leave the server: %s", exc)
        except Exception:  # the worker must end up stopped whatever happens
            self.logger.exception("stopping the worker failed")
        finally:
            with self._lock:
                self._state = "stopped"
            self._registered.set()
            self._stopped.set()

    def _abandon(self, run: JobRun) -> None:
        # The method ignores job.cancelled: its thread stays behind (a daemon), the run is reported.
        self.logger.warning("run %s: the method does not stop; reporting it failed", run.run_id)
        try:
            run.abandon()
        finally:
            self._job_done(run)
