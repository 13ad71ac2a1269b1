"""Response bodies as the Fetcher reads them: decompressed here, chunk by chunk, within a cap
on the decoded size and a deadline (a gzip bomb stops at the cap)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

# We decode bodies ourselves to bound them, so we offer only what we can decode.
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The decoded body is over the cap."""


class DeadlineExceeded(Exception):
    """The body was still arriving at the deadline."""


def _decoder(content_encoding: str) -> zlib._Decompress | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise ValueError(f"unsupported content-encoding {encoding!r}")


def read_bounded(
    chunks: Iterable[bytes], content_encoding: str, cap: int, deadline: float
) -> bytes:
    """Decode and collect the body, stopping at `cap` decoded bytes or at the deadline.

    Raises BodyTooLarge, DeadlineExceeded, ValueError for an unsupported Content-Encoding
    and zlib.error for a corrupt compressed body.
    """
    decoder = _decoder(content_encoding)
    out = bytearray()
    for raw in chunks:
        if time.monotonic() > deadline:
            raise DeadlineExceeded
        if decoder is None:
            out += raw
        else:
            data = raw
            while data:
                # max_length bounds what one call may inflate: a bomb cannot balloon memory.
                out += decoder.decompress(data, cap + 1 - len(out))
                if len(out) > cap:
                    raise BodyTooLarge
                data = decoder.unconsumed_tail
        if len(out) > cap:
            raise BodyTooLarge
    if decoder is not None:
        out += decoder.flush()
    if len(out) > cap:
        raise BodyTooLarge
    return bytes(out)
