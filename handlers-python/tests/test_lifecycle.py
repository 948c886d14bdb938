"""Running jobs: cancellation, deadlines, heartbeats past the lease, concurrency, graceful stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from support import SERVER, TOKEN, WorkerTestCase, api, create_run, get_run, make_worker, wait_for, wait_for_run, workers_of

from schedulezero_handler import JobStopped, Worker

HERE = Path(__file__).resolve().parent


class CancellationTest(WorkerTestCase):
    def test_a_cancel_reaches_job_cancelled(self) -> None:
        started = threading.Event()
        observed = {}
        worker = make_worker(self.handler)

        @worker.method("wait")
        def wait(params, job):
            started.set()
            if job.cancelled.wait(20):
                observed["reason"] = job.stop_reason
                job.check()  # raises JobStopped
            return "never cancelled"

        self.started(worker)
        run_id = create_run(self.handler, "wait")
        self.assertTrue(started.wait(10))
        status, body = api("POST", f"/runs/{run_id}/cancel")
        self.assertEqual(status, 200, body)
        wait_for(lambda: observed.get("reason"), what="job.cancelled")
        self.assertEqual(observed["reason"], "cancelled")
        self.assertEqual(get_run(run_id)["status"], "cancelled")
        # The slot is free again.
        wait_for(lambda: worker.running == 0, what="the slot freed")
        self.assertEqual(wait_for_run(create_run(self.handler, "wait", {}, timeout_seconds=0.5), ("timed_out",))["status"], "timed_out")

    def test_the_deadline_sets_job_cancelled(self) -> None:
        observed = {}
        worker = make_worker(self.handler)

        @worker.method("slow")
        def slow(params, job):
            observed["cancelled"] = job.cancelled.wait(10)
            observed["reason"] = job.stop_reason
            try:
                job.check()
            except JobStopped as stopped:
                observed["raised"] = stopped.reason
                raise
            return "too late"

        self.started(worker)
        began = time.monotonic()
        run = wait_for_run(create_run(self.handler, "slow", timeout_seconds=0.5), ("timed_out", "succeeded", "failed"))
        wait_for(lambda: "raised" in observed, what="the method to see its deadline")
        self.assertLess(time.monotonic() - began, 8)
        self.assertEqual(run["status"], "timed_out")
        self.assertEqual(observed, {"cancelled": True, "reason": "timeout", "raised": "timeout"})


class HeartbeatTest(WorkerTestCase):
    def test_heartbeats_keep_a_long_job_alive_past_the_lease(self) -> None:
        worker = make_worker(self.handler)
        progress_seen = threading.Event()

        @worker.method("long")
        def long_job(params, job):
            job.progress(50, "half way")
            progress_seen.wait(10)
            job.sleep(params["seconds"])
            return {"done": True}

        self.started(worker)
        if worker.lease_seconds > 5:
            self.skipTest(f"the server's lease is {worker.lease_seconds:g} s; this test wants a short one (the vitest wrapper sets 2.5 s)")
        seconds = worker.lease_seconds * 2 + 0.5
        run_id = create_run(self.handler, "long", {"seconds": seconds})
        # Progress arrives with a heartbeat right away.
        running = wait_for(lambda: (lambda r: r if r["progress"] == 50 else None)(get_run(run_id)), what="progress 50")
        self.assertEqual(running["message"], "half way")
        progress_seen.set()
        # With its only slot busy the worker does not poll: heartbeats alone keep it alive.
        run = wait_for_run(run_id, timeout=seconds + 15)
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["attempt"], 1)
        self.assertEqual(len(run["attempts"]), 1)
        self.assertEqual(workers_of(self.handler)[0]["status"], "online")


class ConcurrencyTest(WorkerTestCase):
    def test_no_more_jobs_than_concurrency_run_at_once(self) -> None:
        lock = threading.Lock()
        state = {"now": 0, "peak": 0}
        worker = make_worker(self.handler, concurrency=2)

        @worker.method("busy")
        def busy(params, job):
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(0.5)
            with lock:
                state["now"] -= 1
            return params["i"]

        self.started(worker)
        ids = [create_run(self.handler, "busy", {"i": i}) for i in range(6)]
        runs = [wait_for_run(i) for i in ids]
        self.assertEqual([r["result"] for r in runs], list(range(6)))
        self.assertEqual(state["peak"], 2)  # two at once, never more


class GracefulStopTest(WorkerTestCase):
    def test_stop_lets_running_jobs_finish_then_leaves(self) -> None:
        worker = make_worker(self.handler, concurrency=2)
        started = threading.Event()

        @worker.method("finish")
        def finish(params, job):
            started.set()
            time.sleep(0.5)
            return "finished"

        self.started(worker)
        run_id = create_run(self.handler, "finish")
        self.assertTrue(started.wait(10))
        worker_id = worker.id
        self.assertTrue(worker.stop(timeout=20))
        self.assertEqual(worker.state, "stopped")
        self.assertEqual(get_run(run_id)["status"], "succeeded")
        [info] = [w for w in workers_of(self.handler) if w["id"] == worker_id]
        self.assertEqual(info["status"], "left")

    def test_jobs_still_running_after_the_grace_are_stopped_and_reported(self) -> None:
        worker = make_worker(self.handler)
        observed = {}
        started = threading.Event()

        @worker.method("stubborn")
        def stubborn(params, job):
            started.set()
            job.sleep(30)  # raises JobStopped("shutdown") when the grace is over
            return "not reached"

        self.started(worker)
        run_id = create_run(self.handler, "stubborn", retry={"max_attempts": 1})
        self.assertTrue(started.wait(10))
        began = time.monotonic()
        self.assertTrue(worker.stop(grace=0.3, timeout=20))
        self.assertLess(time.monotonic() - began, 5)
        run = get_run(run_id)
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["error"]["type"], "JobStopped")
        self.assertIn("shutdown", run["error"]["message"])


class AbandonTest(WorkerTestCase):
    def test_a_method_that_ignores_its_stop_is_reported_failed_and_left_behind(self) -> None:
        release = threading.Event()
        self.addCleanup(release.set)
        started = threading.Event()
        worker = make_worker(self.handler)

        @worker.method("deaf")
        def deaf(params, job):
            started.set()
            release.wait(60)  # never looks at job.cancelled
            return "too late"

        self.started(worker)
        run_id = create_run(self.handler, "deaf", retry={"max_attempts": 1})
        self.assertTrue(started.wait(10))
        began = time.monotonic()
        self.assertTrue(worker.stop(grace=0.2, timeout=30))
        self.assertLess(time.monotonic() - began, 15)
        run = get_run(run_id)
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["error"], {"message": "the worker stopped before the job finished", "type": "WorkerShutdown"})


class LivenessFileTest(WorkerTestCase):
    def test_the_liveness_file_is_renewed_while_the_worker_polls(self) -> None:
        with tempfile.TemporaryDirectory(prefix="sz-live-") as tmp:
            path = os.path.join(tmp, "alive")
            worker = make_worker(self.handler, poll_wait_seconds=0.5, liveness_file=path)
            worker.add_method("noop", lambda params, job: None)
            self.started(worker)
            first = wait_for(lambda: os.path.exists(path) and os.stat(path).st_mtime_ns, what="the liveness file")
            wait_for(lambda: os.stat(path).st_mtime_ns > first, timeout=5, what="the liveness file renewed")
            worker.stop(timeout=10)
            self.assertTrue(os.path.exists(path))  # left in place: a stopping worker is not dead


class UnreachableServerTest(WorkerTestCase):
    def test_start_keeps_trying_and_stop_ends_it(self) -> None:
        # Port 9 (discard) on loopback: nothing listens, every attempt is refused.
        worker = Worker(handler=self.handler, server="http://127.0.0.1:9", token="")
        worker.add_method("never", lambda params, job: None)
        worker.start(wait=False)
        time.sleep(0.5)
        self.assertEqual(worker.state, "starting")
        self.assertTrue(worker.stop(timeout=5))
        self.assertEqual(worker.state, "stopped")
        self.assertIsNone(worker.fatal_error)
        self.assertIsNone(worker.id)


class SigtermTest(WorkerTestCase):
    def spawn(self, grace: float, token: str = TOKEN, wait: bool = True) -> subprocess.Popen:
        env = dict(os.environ, SCHEDULEZERO_SERVER=SERVER, SCHEDULEZERO_TOKEN=token, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            [sys.executable, str(HERE / "sigterm_worker.py"), self.handler, str(grace)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.addCleanup(lambda: process.poll() is None and process.kill())
        if not wait:
            return process
        wait_for(lambda: any(w["status"] == "online" for w in workers_of(self.handler)) or process.poll() is not None,
                 what="the worker process to register")
        self.assertIsNone(process.poll(), "the worker process exited early")
        return process

    def finish(self, process: subprocess.Popen) -> tuple:
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            self.fail(f"the worker did not exit after SIGTERM:\n{output}")
        return process.returncode, output

    def test_sigterm_finishes_running_jobs_then_leaves(self) -> None:
        process = self.spawn(grace=20)
        run_id = create_run(self.handler, "nap", {"seconds": 1})
        wait_for_run(run_id, ("running",))
        process.send_signal(signal.SIGTERM)
        code, output = self.finish(process)
        self.assertEqual(code, 0, output)
        run = get_run(run_id)
        self.assertEqual((run["status"], run["result"]), ("succeeded", {"slept": 1}), output)
        self.assertIn("SIGTERM: stopping", output)
        self.assertIn("left the server", output)
        self.assertNotIn("Traceback", output)
        self.assertTrue(all(w["status"] == "left" for w in workers_of(self.handler)))

    def test_sigterm_stops_jobs_that_outlast_the_grace(self) -> None:
        process = self.spawn(grace=0.5)
        run_id = create_run(self.handler, "nap", {"seconds": 60}, retry={"max_attempts": 1})
        wait_for_run(run_id, ("running",))
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code, output = self.finish(process)
        self.assertEqual(code, 0, output)
        self.assertLess(time.monotonic() - began, 10, output)
        run = get_run(run_id)
        self.assertEqual((run["status"], run["error"]["type"]), ("failed", "JobStopped"), output)
        self.assertIn("grace period over", output)

    def test_run_exits_1_with_a_clear_message_when_the_token_is_refused(self) -> None:
        if not TOKEN:
            self.skipTest("the server under test has no API tokens (set SCHEDULEZERO_TOKEN)")
        process = self.spawn(grace=1, token="wrong-token", wait=False)
        code, output = self.finish(process)
        self.assertEqual(code, 1, output)
        self.assertIn("the server refused the API token (401 unauthorized): check the token (SCHEDULEZERO_TOKEN)", output)
        self.assertNotIn("Traceback", output)
        self.assertNotIn("wrong-token", output)


if __name__ == "__main__":
    unittest.main()
