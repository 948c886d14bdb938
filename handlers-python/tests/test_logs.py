"""job.log(): lines reach the run's log on the server; sending them never fails a job."""

from __future__ import annotations

import unittest

from support import WorkerTestCase, api, create_run, make_worker, wait_for_run


class LogLinesTest(WorkerTestCase):
    def test_log_lines_are_sent_with_the_run_and_never_fail_it(self) -> None:
        worker = make_worker(self.handler)

        @worker.method("chatty")
        def chatty(params, job):
            job.log("first line")
            for i in range(250):  # more than one batch
                job.log(f"line {i}")
            job.log("last line ✓")
            return {"logged": 252}

        self.started(worker)
        run_id = create_run(self.handler, "chatty")
        # Sending logs is best effort: the job succeeds whatever happens to its lines.
        run = wait_for_run(run_id)
        self.assertEqual((run["status"], run["result"]), ("succeeded", {"logged": 252}), run)

        status, body = api("GET", f"/runs/{run_id}/logs")
        self.assertEqual(status, 200, body)
        messages = [line["message"] for line in body["lines"]]
        self.assertEqual(messages, ["first line"] + [f"line {i}" for i in range(250)] + ["last line ✓"])
        self.assertTrue(all(line["stream"] == "log" and line["attempt"] == 1 for line in body["lines"]))

    def test_a_job_whose_log_is_refused_still_succeeds(self) -> None:
        # Lines for another run id (unknown to the server) are refused; the job is not affected.
        worker = make_worker(self.handler)

        @worker.method("stray")
        def stray(params, job):
            job.log("before")
            # The SDK's own shipper, for a run id the server does not know (it answers 404 run_not_found).
            worker._logs.add("no-such-run", 1, job.worker_id, "stray line", "2026-01-01T00:00:00.000Z")
            worker._logs.flush("no-such-run")
            job.log("after")
            return "fine"

        self.started(worker)
        run_id = create_run(self.handler, "stray")
        run = wait_for_run(run_id)
        self.assertEqual((run["status"], run["result"]), ("succeeded", "fine"))
        status, body = api("GET", f"/runs/{run_id}/logs")
        if status == 200:
            # A refusal for one run (404 run_not_found) does not stop the lines of others.
            self.assertEqual([line["message"] for line in body["lines"]], ["before", "after"])


if __name__ == "__main__":
    unittest.main()
