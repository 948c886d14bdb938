"""The calls of the handler protocol (docs/protocol.md), one HTTP request each.

Failures are typed: :class:`ApiError` (the server answered 4xx/5xx), :class:`ServerUnreachable`
(cannot connect, no answer in time, an answer that is not JSON) and :class:`RequestAborted`
(the worker is stopping). Nothing is retried here: the worker decides what to retry.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from typing import Any, Dict, List, Optional, Set
from urllib.parse import quote, urlsplit

from .errors import ApiError, RequestAborted, ServerUnreachable

JSON = Dict[str, Any]


class Abort:
    """Cuts short the requests it is handed, from another thread.

    A long poll waits up to a minute in a blocking read; ``abort()`` shuts the socket down so
    that a stopping worker does not wait for it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aborted = False
        self._connections: Set[http.client.HTTPConnection] = set()

    @property
    def aborted(self) -> bool:
        return self._aborted

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            connections = list(self._connections)
        for conn in connections:
            _shut(conn)

    def _attach(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if self._aborted:
                raise RequestAborted()
            self._connections.add(conn)

    def _detach(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connections.discard(conn)


def _shut(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is None:
        return
    try:
        # The plain socket's shutdown, also for TLS: SSLSocket.shutdown would tear down TLS
        # state under the feet of the thread that is reading.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class ProtocolClient:
    """A JSON client for ``/api/v1`` of one server, with an optional bearer token."""

    def __init__(
        self,
        server: str,
        token: Optional[str] = None,
        timeout: float = 30.0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f'server must be an http:// or https:// URL, not "{server}"')
        self.server = server
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/") + "/api/v1"
        self._token = token or None
        self._timeout = timeout
        self._ssl_context = ssl_context

    @property
    def has_token(self) -> bool:
        return self._token is not None

    # --- the protocol ---------------------------------------------------------------------

    def register(self, body: JSON, abort: Optional[Abort] = None) -> JSON:
        answer = self.request("POST", "/workers", body, abort=abort)
        _expect(answer, "worker_id", str, "POST /workers")
        _expect(answer, "heartbeat_seconds", (int, float), "POST /workers")
        return answer

    def poll(self, worker_id: str, max_jobs: int, wait_seconds: float, abort: Optional[Abort] = None) -> List[JSON]:
        answer = self.request(
            "POST",
            f"/workers/{_seg(worker_id)}/poll",
            {"max_jobs": max_jobs, "wait_seconds": wait_seconds},
            timeout=wait_seconds + self._timeout,
            abort=abort,
        )
        jobs = answer.get("jobs") if isinstance(answer, dict) else None
        if not isinstance(jobs, list) or not all(_is_job(j) for j in jobs):
            raise ServerUnreachable("POST /workers/{id}/poll: the answer does not have the documented shape")
        return jobs

    def heartbeat(self, run_id: str, body: JSON, timeout: Optional[float] = None) -> bool:
        """True when the server asks the job to stop (``cancel_requested``)."""
        answer = self.request("POST", f"/runs/{_seg(run_id)}/heartbeat", body, timeout=timeout)
        return bool(isinstance(answer, dict) and answer.get("cancel_requested"))

    def complete(self, run_id: str, body: JSON) -> JSON:
        answer = self.request("POST", f"/runs/{_seg(run_id)}/complete", body)
        _expect(answer, "status", str, "POST /runs/{id}/complete")
        return answer

    def complete_many(self, worker_id: str, completions: List[JSON]) -> List[JSON]:
        """The batch form; one result per completion, in order (``error`` set on refused ones)."""
        answer = self.request("POST", f"/workers/{_seg(worker_id)}/complete", {"completions": completions})
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(completions):
            raise ServerUnreachable("POST /workers/{id}/complete: the answer does not have the documented shape")
        return results

    def send_logs(self, run_id: str, body: JSON, timeout: Optional[float] = None) -> Any:
        """``{"accepted", "dropped", "truncated"}``; ``truncated``: the run's log is full."""
        return self.request("POST", f"/runs/{_seg(run_id)}/logs", body, timeout=timeout)

    def leave(self, worker_id: str, timeout: Optional[float] = None) -> None:
        self.request("DELETE", f"/workers/{_seg(worker_id)}", timeout=timeout)

    # --- HTTP -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Optional[JSON] = None,
        timeout: Optional[float] = None,
        abort: Optional[Abort] = None,
    ) -> Any:
        headers = {"Accept": "application/json", "User-Agent": "schedulezero-handler-python"}
        data: Optional[bytes] = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        seconds = timeout if timeout is not None else self._timeout
        conn = self._connection(seconds)
        if abort is not None:
            abort._attach(conn)
        try:
            conn.connect()
            if abort is not None and abort.aborted:
                raise RequestAborted()
            conn.request(method, self._base + path, body=data, headers=headers)
            response = conn.getresponse()
            status = response.status
            raw = response.read()
        except RequestAborted:
            raise
        except socket.timeout:
            raise ServerUnreachable(f"{method} {path}: no answer within {seconds:g} s") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            if abort is not None and abort.aborted:
                raise RequestAborted() from None
            raise ServerUnreachable(f"{method} {path}: cannot reach {self.server} ({_reason(err)})") from None
        finally:
            if abort is not None:
                abort._detach(conn)
            conn.close()

        parsed = _parse(raw)
        if status < 200 or status > 299:
            raise _api_error(status, parsed, raw)
        if raw and parsed is None:
            raise ServerUnreachable(f"{method} {path}: the answer is not JSON")
        return parsed

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._https:
            context = self._ssl_context or ssl.create_default_context()
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)


def _seg(value: str) -> str:
    return quote(value, safe="")


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def _api_error(status: int, parsed: Any, raw: bytes) -> ApiError:
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        code = error.get("code") if isinstance(error.get("code"), str) else f"http_{status}"
        message = error.get("message") if isinstance(error.get("message"), str) else ""
        field = error.get("field") if isinstance(error.get("field"), str) else None
        return ApiError(status, code, message or f"HTTP {status}", field)
    text = raw[:200].decode("utf-8", "replace") if raw else ""
    return ApiError(status, f"http_{status}", text or f"HTTP {status}")


def _expect(answer: Any, key: str, kind: Any, what: str) -> None:
    if not isinstance(answer, dict) or not isinstance(answer.get(key), kind):
        raise ServerUnreachable(f"{what}: the answer has no valid {key}")


def _is_job(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("run_id"), str)
        and isinstance(value.get("method"), str)
        and isinstance(value.get("attempt"), int)
        and isinstance(value.get("params", {}), dict)
    )
