"""The host name a test Celery worker's task instances record (`[core] hostname_callable`).

Every test worker runs on this one machine: each is given a name of its own (LocalAirflow
sets MEDIAMON_TEST_WORKER_NAME), as workers on separate machines have separate host names.
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["MEDIAMON_TEST_WORKER_NAME"]
