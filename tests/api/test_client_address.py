"""The client address behind a request: X-Forwarded-For is believed only as far as trusted
proxies wrote it."""

from __future__ import annotations

import pytest

from dataops.api.client_address import client_address, normalized_ip
from dataops.config import parse_trusted_proxies

PROXIES = parse_trusted_proxies("10.0.0.0/8, 2001:db8::/32")


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("203.0.113.9", "", (), "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", (), "203.0.113.9"),  # nobody trusted: the header is ignored
        ("203.0.113.9", "1.2.3.4", PROXIES, "203.0.113.9"),  # the peer is no proxy of ours
        ("10.0.0.5", "", PROXIES, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", PROXIES, "198.51.100.7"),  # left part: the client's
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", PROXIES, "198.51.100.7"),  # two proxies deep
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", PROXIES, "10.0.0.8"),  # all trusted: the farthest
        ("10.0.0.5", "garbage", PROXIES, "garbage"),  # a proxy passing junk: a key, not a pass
        ("2001:db8::1", "2001:0DB9:0::1", PROXIES, "2001:db9::1"),
        ("::ffff:10.0.0.5", "198.51.100.7", PROXIES, "::ffff:a00:5"),  # mapped: not the proxy
        ("testclient", "1.2.3.4", PROXIES, "testclient"),
        (None, "1.2.3.4", PROXIES, None),
    ],
)
def test_client_address(
    peer: str | None, forwarded: str, proxies: tuple[object, ...], client: str | None
) -> None:
    assert client_address(peer, forwarded, proxies) == client  # type: ignore[arg-type]


def test_normalized_ip() -> None:
    assert normalized_ip(" 2001:0DB8:0000::1 ") == "2001:db8::1"
    assert normalized_ip("192.0.2.1") == "192.0.2.1"
    assert normalized_ip("192.0.2.256") is None
    assert normalized_ip("") is None
