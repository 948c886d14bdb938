"""Jobs: results stored, what a method sees of its job, failures with and without retries."""

from __future__ import annotations

import sys
import threading
import unittest
from datetime import datetime, timedelta, timezone

from support import WorkerTestCase, create_run, make_worker, wait_for_run

from schedulezero_handler import NonRetryableError


class JobsTest(WorkerTestCase):
    def test_a_job_runs_and_its_result_is_stored(self) -> None:
        seen = {}
        worker = make_worker(self.handler)

        @worker.method("report", description="Builds a report.")
        def report(params, job):
            seen.update(run_id=job.run_id, attempt=job.attempt, method=job.method, schedule_id=job.schedule_id,
                        scheduled_at=job.scheduled_at, deadline=job.deadline, worker_id=job.worker_id,
                        same_params=job.params is params, cancelled=job.cancelled.is_set(), reason=job.stop_reason)
            return {"rows": params["rows"] * 2, "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)}

        self.started(worker)
        run_id = create_run(self.handler, "report", {"rows": 21}, timeout_seconds=60)
        run = wait_for_run(run_id)
        self.assertEqual(run["status"], "succeeded", run)
        # datetimes in a result become ISO strings
        self.assertEqual(run["result"], {"rows": 42, "when": "2026-01-02T03:04:05+00:00"})
        self.assertEqual(seen["run_id"], run_id)
        self.assertEqual(seen["attempt"], 1)
        self.assertEqual(seen["method"], "report")
        self.assertIsNone(seen["schedule_id"])
        self.assertEqual(seen["worker_id"], worker.id)
        self.assertTrue(seen["same_params"])
        self.assertFalse(seen["cancelled"])
        self.assertIsNone(seen["reason"])
        now = datetime.now(timezone.utc)
        self.assertLess(abs(seen["scheduled_at"] - now), timedelta(seconds=30))
        self.assertIsNotNone(seen["deadline"])
        self.assertGreater(seen["deadline"], seen["scheduled_at"])

    def test_a_non_retryable_error_is_not_retried(self) -> None:
        worker = make_worker(self.handler)
        calls = []

        @worker.method("strict")
        def strict(params, job):
            calls.append(job.attempt)
            raise NonRetryableError("params.order_id 17 does not exist")

        self.started(worker)
        run = wait_for_run(create_run(self.handler, "strict", retry={"max_attempts": 3, "initial_delay_seconds": 0}))
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["attempt"], 1)
        self.assertEqual(run["error"], {"message": "params.order_id 17 does not exist", "type": "NonRetryableError", "retryable": False})
        self.assertEqual(calls, [1])

    def test_any_exception_with_retryable_false_is_not_retried(self) -> None:
        class Refused(Exception):
            retryable = False

        worker = make_worker(self.handler)

        @worker.method()
        def refuse(params, job):
            raise Refused("no")

        self.started(worker)
        run = wait_for_run(create_run(self.handler, "refuse", retry={"max_attempts": 3, "initial_delay_seconds": 0}))
        self.assertEqual((run["status"], run["attempt"], run["error"]["type"]), ("failed", 1, "Refused"))

    def test_a_normal_exception_is_retried_per_policy(self) -> None:
        worker = make_worker(self.handler)
        attempts = []

        @worker.method("flaky")
        def flaky(params, job):
            attempts.append(job.attempt)
            if job.attempt < params["succeed_on"]:
                raise ConnectionResetError(f"the database hung up (attempt {job.attempt})")
            return {"attempt": job.attempt}

        @worker.method("broken")
        def broken(params, job):
            attempts.append(job.attempt)
            return {}["missing"]

        self.started(worker)
        retry = {"max_attempts": 3, "initial_delay_seconds": 0.05}
        run = wait_for_run(create_run(self.handler, "flaky", {"succeed_on": 3}, retry=retry))
        self.assertEqual(run["status"], "succeeded")
        self.assertEqual(run["result"], {"attempt": 3})
        self.assertEqual([a["status"] for a in run["attempts"]], ["failed", "failed", "succeeded"])
        self.assertEqual(run["attempts"][0]["error"], {"message": "the database hung up (attempt 1)", "type": "ConnectionResetError"})

        attempts.clear()
        run = wait_for_run(create_run(self.handler, "broken", retry={"max_attempts": 2, "initial_delay_seconds": 0.05}))
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["attempt"], 2)
        self.assertEqual(attempts, [1, 2])
        # The message and type only: no traceback goes to the server.
        self.assertEqual(run["error"], {"message": "'missing'", "type": "KeyError"})

    def test_a_result_that_is_not_json_fails_without_retry(self) -> None:
        worker = make_worker(self.handler)
        worker.add_method("setty", lambda params, job: {"ids": {1, 2}})
        worker.add_method("nan", lambda params, job: float("nan"))
        self.started(worker)
        retry = {"max_attempts": 3, "initial_delay_seconds": 0}
        for method in ("setty", "nan"):
            run = wait_for_run(create_run(self.handler, method, retry=retry))
            self.assertEqual((run["status"], run["attempt"]), ("failed", 1), run)
            self.assertEqual(run["error"]["type"], "InvalidResult")
            self.assertFalse(run["error"]["retryable"])

    def test_sys_exit_in_a_method_fails_the_job_not_the_worker(self) -> None:
        worker = make_worker(self.handler)  # one thread: it must survive to run the next job
        worker.add_method("quit", lambda params, job: sys.exit(3))
        worker.add_method("hello", lambda params, job: "still here")
        self.started(worker)
        run = wait_for_run(create_run(self.handler, "quit", retry={"max_attempts": 1}))
        self.assertEqual((run["status"], run["error"]), ("failed", {"message": "3", "type": "SystemExit"}))
        self.assertEqual(wait_for_run(create_run(self.handler, "hello"))["result"], "still here")

    def test_returning_nothing_stores_null(self) -> None:
        worker = make_worker(self.handler)
        worker.add_method("quiet", lambda params, job: None)
        self.started(worker)
        run = wait_for_run(create_run(self.handler, "quiet"))
        self.assertEqual((run["status"], run["result"]), ("succeeded", None))

    def test_many_short_jobs_all_complete(self) -> None:
        # Completions that finish together go out in batches; each run still gets its own result.
        worker = make_worker(self.handler, concurrency=8)
        gate = threading.Barrier(8, timeout=10)

        @worker.method("square")
        def square(params, job):
            if params["n"] < 8:
                gate.wait()  # the first eight finish at the same moment
            return params["n"] ** 2

        self.started(worker)
        ids = [create_run(self.handler, "square", {"n": n}) for n in range(40)]
        runs = [wait_for_run(i) for i in ids]
        self.assertEqual([r["result"] for r in runs], [n * n for n in range(40)])
        self.assertTrue(all(r["status"] == "succeeded" for r in runs))


if __name__ == "__main__":
    unittest.main()
