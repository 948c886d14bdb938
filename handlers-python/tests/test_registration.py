"""Registration: method schemas reach the server (which then validates params), tokens, re-registering."""

from __future__ import annotations

import unittest

from support import TOKEN, WorkerTestCase, api, create_run, make_worker, wait_for, wait_for_run, workers_of

from schedulezero_handler import WorkerError

GREET_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1}, "excited": {"type": "boolean"}},
    "required": ["name"],
    "additionalProperties": False,
}


class RegistrationTest(WorkerTestCase):
    def test_method_schemas_are_sent_and_params_that_break_them_are_refused(self) -> None:
        worker = make_worker(self.handler, concurrency=2, version="1.2.3")

        @worker.method("greet", params_schema=GREET_SCHEMA, description="Greets someone by name.")
        def greet(params, job):
            return {"greeting": f"Hello, {params['name']}{'!' if params.get('excited') else '.'}"}

        @worker.method  # no schema: any params
        def echo(params, job):
            return params

        self.started(worker)
        self.assertIsNotNone(worker.id)
        self.assertEqual(worker.state, "running")
        [info] = workers_of(self.handler)
        self.assertEqual(info["status"], "online")
        self.assertEqual(sorted(info["methods"]), ["echo", "greet"])
        self.assertEqual(info["concurrency"], 2)
        self.assertEqual(info["version"], "1.2.3")

        status, body = api("POST", "/runs", {"handler": self.handler, "method": "greet", "params": {}})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "params.name")
        status, body = api("POST", "/runs", {"handler": self.handler, "method": "greet", "params": {"name": 7}})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "params.name")
        status, body = api("POST", "/runs", {"handler": self.handler, "method": "greet", "params": {"name": "Ada", "x": 1}})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "params.x")
        # Schedules are checked the same way.
        status, body = api("POST", "/schedules", {
            "handler": self.handler, "method": "greet", "params": {"excited": True},
            "trigger": {"type": "interval", "seconds": 60},
        })
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "params.name")

        ok = create_run(self.handler, "greet", {"name": "Ada", "excited": True})
        anything = create_run(self.handler, "echo", {"free": ["form"]})
        self.assertEqual(wait_for_run(ok)["result"], {"greeting": "Hello, Ada!"})
        self.assertEqual(wait_for_run(anything)["result"], {"free": ["form"]})

    def test_a_schema_the_server_cannot_compile_is_a_clear_error(self) -> None:
        worker = make_worker(self.handler)
        worker.add_method("broken", lambda params, job: None, params_schema={"type": "no-such-type"})
        with self.assertRaises(WorkerError) as caught:
            self.started(worker)
        self.assertIn("refused the registration", str(caught.exception))
        self.assertIn("method_info.broken.params_schema", str(caught.exception))
        self.assertEqual(worker.state, "stopped")
        self.assertIs(worker.fatal_error, caught.exception)

    def test_a_wrong_token_is_a_clear_error(self) -> None:
        if not TOKEN:
            self.skipTest("the server under test has no API tokens (set SCHEDULEZERO_TOKEN)")
        worker = make_worker(self.handler, token="not-the-token")
        worker.add_method("noop", lambda params, job: None)
        with self.assertRaises(WorkerError) as caught:
            worker.start()
        self.assertIn("refused the API token", str(caught.exception))
        self.assertNotIn("not-the-token", str(caught.exception))
        self.assertEqual(worker.state, "stopped")

    def test_registers_again_when_the_server_forgot_it(self) -> None:
        worker = make_worker(self.handler, poll_wait_seconds=1)
        worker.add_method("hello", lambda params, job: {"hello": params.get("name")})
        self.started(worker)
        first = worker.id
        status, _ = api("DELETE", f"/workers/{first}")
        self.assertEqual(status, 204)
        second = wait_for(lambda: worker.id if worker.id != first else None, what="a new registration")
        run = wait_for_run(create_run(self.handler, "hello", {"name": "again"}))
        self.assertEqual(run["result"], {"hello": "again"})
        self.assertEqual(run["attempts"][0]["worker_id"], second)

    def test_bad_arguments_are_refused_before_anything_is_sent(self) -> None:
        with self.assertRaisesRegex(ValueError, "handler"):
            make_worker("no spaces allowed")
        with self.assertRaisesRegex(ValueError, "concurrency"):
            make_worker(self.handler, concurrency=0)
        worker = make_worker(self.handler)
        with self.assertRaisesRegex(ValueError, "method"):
            worker.add_method("-bad", lambda p, j: None)
        with self.assertRaisesRegex(TypeError, "params_schema"):
            worker.add_method("ok", lambda p, j: None, params_schema="not a dict")  # type: ignore[arg-type]
        worker.add_method("ok", lambda p, j: None)
        with self.assertRaisesRegex(ValueError, "already"):
            worker.add_method("ok", lambda p, j: None)
        with self.assertRaisesRegex(RuntimeError, "at least one method"):
            make_worker(self.handler).start()


if __name__ == "__main__":
    unittest.main()
