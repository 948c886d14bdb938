"""What the tests share: the server under test (SCHEDULEZERO_SERVER), an API client, waiting.

The tests run against a real ScheduleZero server. The vitest wrapper
(handlers-python/test/python-sdk.test.ts) starts one with short heartbeats and leases and an API
token, and runs this suite with SCHEDULEZERO_SERVER and SCHEDULEZERO_TOKEN set.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

ROOT = Path(__file__).resolve().parent.parent
# The SDK from this checkout, whether or not it is installed.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from schedulezero_handler import Worker  # noqa: E402

T = TypeVar("T")
JSON = Dict[str, Any]

SERVER = os.environ.get("SCHEDULEZERO_SERVER", "")
TOKEN = os.environ.get("SCHEDULEZERO_TOKEN", "")

# Without proxies: the server under test is on loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

logging.basicConfig(level=os.environ.get("SZ_TEST_LOG_LEVEL", "WARNING"), format="%(asctime)s %(levelname)s %(message)s")


def require_server() -> None:
    if not SERVER:
        raise unittest.SkipTest("set SCHEDULEZERO_SERVER to the URL of a ScheduleZero server to run these tests")


def api(method: str, path: str, body: Any = None, token: Optional[str] = None) -> Tuple[int, Any]:
    """One request to /api/v1; returns (status, parsed body)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    use = TOKEN if token is None else token
    if use:
        headers["Authorization"] = "Bearer " + use
    request = urllib.request.Request(SERVER.rstrip("/") + "/api/v1" + path, data=data, headers=headers, method=method)
    try:
        with _opener.open(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    return status, (json.loads(raw) if raw else None)


def wait_for(check: Callable[[], Optional[T]], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.03)


def unique_handler(prefix: str = "py") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_run(handler: str, method: str, params: Optional[JSON] = None, **extra: Any) -> str:
    status, body = api("POST", "/runs", {"handler": handler, "method": method, "params": params or {}, **extra})
    if status != 202:
        raise AssertionError(f"POST /runs answered {status}: {body}")
    return body["id"]


def get_run(run_id: str) -> JSON:
    status, body = api("GET", f"/runs/{run_id}")
    if status != 200:
        raise AssertionError(f"GET /runs/{run_id} answered {status}: {body}")
    return body


def wait_for_run(run_id: str, statuses: Tuple[str, ...] = ("succeeded", "failed"), timeout: float = 15.0) -> JSON:
    def check() -> Optional[JSON]:
        run = get_run(run_id)
        return run if run["status"] in statuses else None

    return wait_for(check, timeout, f"run {run_id} in {statuses}")


def workers_of(handler: str) -> list:
    status, body = api("GET", "/handlers")
    assert status == 200, body
    return [w for h in body["items"] if h["handler"] == handler for w in h["workers"]]


def make_worker(handler: str, **options: Any) -> Worker:
    options.setdefault("poll_wait_seconds", 5)
    options.setdefault("shutdown_grace_seconds", 5)
    options.setdefault("token", TOKEN)
    return Worker(handler=handler, server=SERVER, **options)


class WorkerTestCase(unittest.TestCase):
    """Each test gets a handler name of its own; workers it starts are stopped after it."""

    def setUp(self) -> None:
        require_server()
        self.handler = unique_handler()
        self._workers: list = []

    def tearDown(self) -> None:
        for worker in self._workers:
            worker.stop(grace=1, timeout=30)

    def started(self, worker: Worker) -> Worker:
        self._workers.append(worker)
        worker.start()
        return worker
