#!/usr/bin/env python3
"""A job handler written the way the original Python ScheduleZero expected one.

Nothing here knows about the new server: it is the original's handler pattern (the shape of
its ZMQHandlerBase), written out in one file with pyzmq only.

- The handler binds its own REP socket and answers one JSON frame
  {"method": ..., "params": {...}} with one JSON frame {"success": true, ...} or
  {"success": false, "error": "..."}.
- A second thread talks to the server's registration socket over REQ: "ping" to check the
  connection, "register" {handler_id, address, methods}, then "ping" every 30 seconds; when a
  ping fails it reconnects and registers again. On stop it sends "report_status" offline.

Run it against a ScheduleZero server with ZeroMQ on (config `zmq: {enabled: true}` or
SCHEDULEZERO_ZMQ_PORT=4242):

    python3 handler.py --server tcp://127.0.0.1:4242 --address tcp://127.0.0.1:4244
"""
import argparse
import inspect
import json
import os
import signal
import sys
import threading
import time

import zmq


class OriginalStyleHandler:
    """Public methods (not starting with "_") are the methods jobs can call."""

    def __init__(self):
        self._count = 0
        self._lock = threading.Lock()

    def greet(self, params):
        name = params.get("name", "world")
        return {"success": True, "greeting": "Hello, %s!" % name}

    def add(self, params):
        a, b = params.get("a"), params.get("b")
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return {"success": False, "error": "add needs numbers a and b, got %r and %r" % (a, b)}
        return {"success": True, "sum": a + b}

    def count(self, params):
        with self._lock:
            self._count += 1
            return {"success": True, "count": self._count}

    def sleep(self, params):
        seconds = float(params.get("seconds", 1))
        time.sleep(seconds)
        return {"success": True, "slept": seconds}

    def fail(self, params):
        # Exceptions become {"success": false, "error": str(e)}, as in the original's base class.
        raise RuntimeError(params.get("message", "this method always fails"))


class HandlerProcess:
    def __init__(self, handler_id, bind_address, server_address, ping_interval, retry_interval):
        self.handler_id = handler_id
        self.bind_address = bind_address
        self.server_address = server_address
        self.ping_interval = ping_interval
        self.retry_interval = retry_interval
        self.handler = OriginalStyleHandler()
        self.methods = {
            name: getattr(self.handler, name)
            for name in dir(self.handler)
            if not name.startswith("_") and callable(getattr(self.handler, name))
        }
        # Like the original, every handler also answers "ping".
        self.methods["ping"] = self.ping
        self.context = zmq.Context()
        self.shutdown = threading.Event()
        self.address = None  # known once the REP socket is bound

    def ping(self, params=None):
        return {"success": True, "message": "pong", "handler_id": self.handler_id}

    def log(self, message):
        print("[%s] %s" % (self.handler_id, message), flush=True)

    # --- the handler's own REP socket -------------------------------------------------

    def handle_request(self, request):
        method_name = request.get("method")
        params = request.get("params", {})
        if method_name not in self.methods:
            return {"success": False, "error": "Unknown method: %s" % method_name}
        try:
            method = self.methods[method_name]
            result = method(params) if len(inspect.signature(method).parameters) > 0 else method()
            if isinstance(result, dict):
                result.setdefault("success", True)
                return result
            return {"success": True, "result": result}
        except Exception as e:  # the original reported every exception this way
            return {"success": False, "error": str(e)}

    def serve(self):
        socket = self.context.socket(zmq.REP)
        socket.setsockopt(zmq.RCVTIMEO, 1000)  # wake up every second to notice shutdown
        socket.setsockopt(zmq.LINGER, 0)
        socket.bind(self.bind_address)
        self.address = socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self.log("listening on %s" % self.address)
        try:
            while not self.shutdown.is_set():
                try:
                    message = socket.recv_string()
                except zmq.Again:
                    continue
                try:
                    response = self.handle_request(json.loads(message))
                except ValueError:
                    response = {"success": False, "error": "Invalid JSON"}
                socket.send_string(json.dumps(response))
        finally:
            socket.close()

    # --- registration with the server -------------------------------------------------

    def call_server(self, socket, method, params=None):
        request = {"method": method}
        if params is not None:
            request["params"] = params
        socket.send_string(json.dumps(request))
        return json.loads(socket.recv_string())

    def connect(self):
        socket = self.context.socket(zmq.REQ)
        socket.setsockopt(zmq.RCVTIMEO, 10000)
        socket.setsockopt(zmq.SNDTIMEO, 10000)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(self.server_address)
        return socket

    def register_loop(self):
        while self.address is None and not self.shutdown.is_set():
            time.sleep(0.05)
        socket = None
        registered = False
        while not self.shutdown.is_set():
            try:
                if socket is None:
                    socket = self.connect()
                    if not self.call_server(socket, "ping").get("success"):
                        raise ConnectionError("ping failed")
                if not registered:
                    reply = self.call_server(socket, "register", {
                        "handler_id": self.handler_id,
                        "address": self.address,
                        "methods": sorted(self.methods),
                    })
                    if not reply.get("success"):
                        raise ConnectionError("registration refused: %s" % reply.get("error"))
                    registered = True
                    self.log("registered as %s at %s (%s)" % (self.handler_id, self.address, reply.get("status")))
                if self.shutdown.wait(self.ping_interval):
                    break
                reply = self.call_server(socket, "ping")
                if not reply.get("success"):
                    raise ConnectionError(reply.get("error", "ping failed"))
            except Exception as e:  # a lost server: reconnect and register again
                self.log("server connection lost (%s); retrying in %ss" % (e, self.retry_interval))
                registered = False
                if socket is not None:
                    socket.close()
                    socket = None
                self.shutdown.wait(self.retry_interval)
        if socket is not None and registered:
            try:
                self.call_server(socket, "report_status", {"handler_id": self.handler_id, "status": "offline"})
                self.log("reported offline")
            except Exception as e:
                self.log("could not report offline: %s" % e)
        if socket is not None:
            socket.close()

    def run(self):
        server = threading.Thread(target=self.serve, name="rep-server")
        registration = threading.Thread(target=self.register_loop, name="registration")
        server.start()
        registration.start()
        try:
            while not self.shutdown.is_set():
                self.shutdown.wait(0.5)
        finally:
            registration.join()
            server.join()
            self.context.term()
            self.log("stopped")


def main():
    parser = argparse.ArgumentParser(description="A ScheduleZero handler written the original way (ZeroMQ).")
    parser.add_argument("--id", default=os.environ.get("HANDLER_ID", "original-demo"), help="handler id")
    parser.add_argument("--address", default=os.environ.get("HANDLER_ADDRESS", "tcp://127.0.0.1:4244"),
                        help="where this handler's REP socket binds (tcp://127.0.0.1:* picks a free port)")
    parser.add_argument("--server", default=os.environ.get("SCHEDULEZERO_ZMQ_SERVER", "tcp://127.0.0.1:4242"),
                        help="the server's registration socket")
    parser.add_argument("--ping-interval", type=float, default=30.0, help="seconds between pings (original: 30)")
    parser.add_argument("--retry-interval", type=float, default=15.0, help="seconds before reconnecting (original: 15)")
    args = parser.parse_args()

    process = HandlerProcess(args.id, args.address, args.server, args.ping_interval, args.retry_interval)

    def stop(signum, frame):
        process.shutdown.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    process.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
