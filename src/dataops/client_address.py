"""The address of the client behind a request, for login throttling (the engine's API and the
portal both need it): the connection's peer, or the address a trusted proxy put in
`X-Forwarded-For` (only when the peer is one of `DATAOPS_TRUSTED_PROXIES`: anyone else can write
that header)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from dataops.config import Network


@lru_cache(maxsize=4096)
def normalized_ip(raw: str) -> str | None:
    """The canonical spelling of an IP address (`::FFFF:1.2.3.4` and `::ffff:102:304` are one
    client), or None when `raw` is not one. Remembered for the last few thousand spellings: a
    server sees the same few peers on every request."""
    try:
        return ipaddress.ip_address(raw.strip()).compressed
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str, proxies: Sequence[Network]) -> str | None:
    """Walk `X-Forwarded-For` from the right (the hop nearest to us) past trusted proxies; the
    first address that is not one is the client. The hops further left were written by the
    client itself and are never believed."""
    if peer is None:
        return None
    peer = normalized_ip(peer) or peer
    if not proxies or not _trusted(peer, proxies):
        return peer
    address = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = normalized_ip(hop) or hop[:64]
        if not _trusted(address, proxies):
            break
    return address
