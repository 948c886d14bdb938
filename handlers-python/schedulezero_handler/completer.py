"""Sends completions, batching them only when there is a queue.

A completion goes out at once when fewer than ``parallel`` requests are in flight (no added
latency); completions that finish while requests are under way go together in the next one
(``POST /workers/{id}/complete``). A busy worker thus makes one request per batch instead of one
per job. Each caller gets its own answer or exception, exactly as from the single-run call, so
retry logic stays per job.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

from .client import ProtocolClient
from .errors import ApiError

JSON = Dict[str, Any]

MAX_BATCH = 500


class _Pending:
    def __init__(self, run_id: str, body: JSON) -> None:
        self.run_id = run_id
        self.body = body
        self.done = threading.Event()
        self.answer: Optional[JSON] = None
        self.error: Optional[BaseException] = None


class Completer:
    def __init__(self, client: ProtocolClient, parallel: int = 2) -> None:
        self._client = client
        self._parallel = parallel
        self._lock = threading.Lock()
        self._queue: List[_Pending] = []
        self._in_flight = 0

    def complete(self, run_id: str, body: JSON) -> JSON:
        """Report one job (``body`` as for ``POST /runs/{id}/complete``); blocks for its answer."""
        pending = _Pending(run_id, body)
        with self._lock:
            self._queue.append(pending)
        self._pump()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.answer is not None
        return pending.answer

    def _pump(self) -> None:
        # The calling thread sends batches while there is room; a thread whose request ends
        # looks again, so nothing queued is left behind.
        while True:
            with self._lock:
                if self._in_flight >= self._parallel or not self._queue:
                    return
                worker_id = self._queue[0].body["worker_id"]
                batch: List[_Pending] = []
                rest: List[_Pending] = []
                for p in self._queue:
                    # One batch speaks for one worker id (jobs from before a re-registration keep theirs).
                    (batch if p.body["worker_id"] == worker_id and len(batch) < MAX_BATCH else rest).append(p)
                self._queue = rest
                self._in_flight += 1
            try:
                self._send(batch)
            finally:
                with self._lock:
                    self._in_flight -= 1

    def _send(self, batch: List[_Pending]) -> None:
        try:
            if len(batch) == 1:
                one = batch[0]
                try:
                    one.answer = self._client.complete(one.run_id, one.body)
                except Exception as exc:  # handed to the job's thread, which decides
                    one.error = exc
                return
            items = []
            for p in batch:
                item = {k: v for k, v in p.body.items() if k != "worker_id"}
                item["run_id"] = p.run_id
                items.append(item)
            try:
                results = self._client.complete_many(batch[0].body["worker_id"], items)
            except Exception as exc:
                for p in batch:
                    p.error = exc
                return
            for p, r in zip(batch, results):
                if not isinstance(r, dict) or r.get("run_id") != p.run_id:
                    p.error = ApiError(502, "bad_batch_answer", "the batch answer does not match the request")
                elif isinstance(r.get("error"), dict):
                    e = r["error"]
                    p.error = ApiError(int(e.get("status", 500)), str(e.get("code", "error")), str(e.get("message", "")))
                else:
                    p.answer = r
        finally:
            for p in batch:
                p.done.set()
