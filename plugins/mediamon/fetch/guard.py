"""Network guard against server-side request forgery.

Feed entries are untrusted: a link may point at the metadata service
(169.254.169.254), at loopback, or at a host whose DNS answers with a private
address. Every address is checked where the socket is actually opened, so the
check holds for every redirect hop and for DNS that changes its answer.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

Resolver = Callable[[str, int], list[str]]


class BlockedAddress(ConnectionError):
    """The destination resolves only to addresses the guard refuses."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv4 or IPv6 socket address starts with the address as text.
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local, shared (CGNAT), reserved,
    # unspecified and documentation ranges; multicast can still be global, so check it too.
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class NetworkGuard:
    allow_private: bool = False
    # host:port pairs exempt from the check (a test server on loopback, say).
    allowed_addresses: frozenset[str] = field(default_factory=frozenset)
    resolver: Resolver = system_resolver

    def permits(self, address: str, port: int) -> bool:
        if self.allow_private or is_public_address(address):
            return True
        literal = f"[{address}]" if ":" in address else address
        return f"{literal}:{port}" in self.allowed_addresses

    def resolve(self, host: str, port: int) -> list[str]:
        """Addresses of `host` the guard permits; raises BlockedAddress when there are none."""
        host = host.strip("[]")
        try:
            addresses = self.resolver(host, port)
        except socket.gaierror as exc:
            raise ConnectionError(f"DNS lookup failed for {host}: {exc.strerror}") from exc
        permitted = [address for address in addresses if self.permits(address, port)]
        if not permitted:
            shown = ", ".join(addresses[:3]) or "no address"
            raise BlockedAddress(f"{host} resolves to a non-public address ({shown})")
        return permitted
