"""ScheduleZero handlers in Python: a pull worker SDK, standard library only (Python 3.9+).

    from schedulezero_handler import Worker, NonRetryableError

    worker = Worker(handler="reports", concurrency=4)

    @worker.method("build", params_schema={"type": "object", "required": ["day"]})
    def build(params, job):
        job.progress(50, "half way")
        return {"built": params["day"]}

    if __name__ == "__main__":
        raise SystemExit(worker.run())

See docs/protocol.md in the ScheduleZero repository for the protocol it speaks.
"""

from __future__ import annotations

from .client import Abort, ProtocolClient
from .errors import ApiError, JobStopped, NonRetryableError, RequestAborted, ServerUnreachable, WorkerError
from .job import Job
from .worker import Worker

__version__ = "0.1.0"

__all__ = [
    "Abort",
    "ApiError",
    "Job",
    "JobStopped",
    "NonRetryableError",
    "ProtocolClient",
    "RequestAborted",
    "ServerUnreachable",
    "Worker",
    "WorkerError",
    "__version__",
]
