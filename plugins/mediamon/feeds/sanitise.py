"""A feed body's bytes made safe for feedparser: decoded to UTF-8, NUL characters dropped,
the prolog's DOCTYPEs dropped (refused when they declare entities), and character references
feedparser or PostgreSQL cannot take replaced.

The body is decoded first, as feedparser itself would decode it (byte order mark, HTTP
charset, XML declaration: UTF-16 and UTF-32 feeds included), so that nothing here works on
bytes of another encoding. The prolog (what precedes the root element) is read as XML reads
it: a DOCTYPE there that declares entities is refused (a 160 KB feed can expand to
gigabytes). `<!DOCTYPE` or `<!ENTITY` quoted in an item (inside CDATA, say: a security blog
writing about XXE) is text like any other. Character references that make feedparser raise
(code points beyond U+10FFFF, surrogates) or that PostgreSQL rejects (NUL) are replaced.
"""

from __future__ import annotations

import re

from feedparser.encodings import convert_to_utf8

_CHAR_REFERENCE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
# Prolog tokens, in the order XML reads them.
_SPACE = re.compile(rb"[ \t\r\n]*")
_DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
# Inside a DOCTYPE: quoted literals, comments and processing instructions (which may hold
# brackets or `>`), the internal subset's brackets, and the closing `>`.
_DOCTYPE_TOKEN = re.compile(rb"\"[^\"]*\"|'[^']*'|<!--.*?-->|<\?.*?\?>|[\[\]>]", re.DOTALL)
# Where feedparser's own DOCTYPE handling takes the document to start: `<` and a word
# character. Prolog junk that XML refuses sends feedparser to its loose parser, which
# reads entity declarations up to there.
_ELEMENT_START = re.compile(rb"<\w")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


class FeedRejected(ValueError):
    """The body is refused: entity declarations, a parser failure, or no feed in it."""


def _fix_reference(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    try:
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return b"\xef\xbf\xbd"
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd".encode()
    return match.group(0)


def _doctype_end(body: bytes, start: int) -> int:
    """Where the DOCTYPE starting at `start` ends (just after its `>`; an unclosed one runs
    to the end of the body)."""
    depth = 0
    for token in _DOCTYPE_TOKEN.finditer(body, start + len(b"<!DOCTYPE")):
        text = token.group()
        if text == b"[":
            depth += 1
        elif text == b"]":
            depth = max(0, depth - 1)
        elif text == b">" and depth == 0:
            return token.end()
    return len(body)


def _after_space(body: bytes, position: int) -> int:
    """Where the white space (if any) at `position` ends."""
    space = _SPACE.match(body, position)
    return space.end() if space else position


def _prolog(body: bytes) -> tuple[list[tuple[int, int]], int]:
    """The DOCTYPE declarations of the prolog (start, end) and where the prolog's markup
    ends: at the root element, or at anything XML does not allow before it."""
    doctypes = []
    position = 0
    while True:
        position = _after_space(body, position)
        if body.startswith(b"<?", position):
            closing = b"?>"
        elif body.startswith(b"<!--", position):
            closing = b"-->"
        elif _DOCTYPE_START.match(body, position):
            end = _doctype_end(body, position)
            doctypes.append((position, end))
            position = end
            continue
        else:
            return doctypes, position
        end = body.find(closing, position + 2)
        if end < 0:  # never closed: the rest is not markup
            return doctypes, position
        position = end + len(closing)


def _prolog_end(body: bytes, position: int) -> int:
    """Where the root element starts (or, after prolog junk, where feedparser thinks so)."""
    found = _ELEMENT_START.search(body, position)
    return found.start() if found else len(body)


def _declares_entities(body: bytes, doctypes: list[tuple[int, int]], position: int) -> bool:
    """An entity declaration in a DOCTYPE of the prolog, or in prolog junk (which sends
    feedparser to its loose parser, reading declarations up to the first element)."""
    spans = [*doctypes, (position, _prolog_end(body, position))]
    return any(_ENTITY_DECLARATION.search(body, start, end) for start, end in spans)


def declares_entities(body: bytes) -> bool:
    """True when the prolog of this (ASCII-compatible) XML declares entities."""
    doctypes, position = _prolog(body)
    return _declares_entities(body, doctypes, position)


def sanitise_feed_bytes(body: bytes) -> bytes:
    """Refuse entity declarations, drop DOCTYPEs, neutralise unsafe character references.

    `body` is UTF-8 (or another encoding in which markup is ASCII): NULs go first, so that
    none can hide a declaration from the checks.
    """
    body = body.replace(b"\x00", b"")
    doctypes, position = _prolog(body)
    if _declares_entities(body, doctypes, position):
        raise FeedRejected("feed declares XML entities (refused: entity expansion risk)")
    for start, end in reversed(doctypes):
        body = body[:start] + body[end:]
    return _CHAR_REFERENCE.sub(_fix_reference, body)


def decode_to_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str | None, str | None]:
    """The body in UTF-8, the Content-Type to give feedparser, and any decoding remark.

    feedparser's own decoding, done first: its byte-order-mark and `<?xm` sniffing,
    RFC 3023's rules between the HTTP charset and the XML declaration, then its fallbacks.
    The declaration it leaves says UTF-8, and so does the charset we pass on.
    """
    headers = {"content-type": content_type} if content_type else {}
    found: dict[str, object] = {}
    utf8 = convert_to_utf8(headers, body, found)
    remark = None
    if found.get("bozo"):
        exception = found.get("bozo_exception")
        remark = f"{type(exception).__name__}: {exception}"
    if not found.get("encoding"):  # nothing decoded it: feedparser will say so again
        return utf8, content_type, remark
    if content_type:
        content_type = content_type.split(";", 1)[0].strip() + "; charset=utf-8"
    return utf8, content_type, remark
