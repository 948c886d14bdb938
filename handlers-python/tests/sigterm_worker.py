"""A worker process for the SIGTERM test: python3 sigterm_worker.py HANDLER GRACE_SECONDS."""

from __future__ import annotations

import sys
from pathlib import Path

# The SDK of this checkout; not tests/support.py, whose logging setup would hide run()'s.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schedulezero_handler import Worker  # noqa: E402

worker = Worker(handler=sys.argv[1], concurrency=2, poll_wait_seconds=5, shutdown_grace_seconds=float(sys.argv[2]))


@worker.method("nap")
def nap(params, job):
    job.progress(0, "napping")
    job.sleep(params["seconds"])  # raises JobStopped when the worker gives up waiting
    return {"slept": params["seconds"]}


if __name__ == "__main__":
    raise SystemExit(worker.run())
