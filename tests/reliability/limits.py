"""The tight limits the reliability suite runs with (short, so hostile cases end quickly)."""

from mediamon.settings import FetchSettings

TIGHT_FETCH = FetchSettings(
    connect_timeout_s=1.0,
    read_timeout_s=3.0,
    total_deadline_s=5.0,
    max_body_bytes=5 * 1024 * 1024,
    max_redirects=5,
    per_host_concurrency=4,
    per_host_delay_s=0.0,
)
