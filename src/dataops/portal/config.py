"""What the portal needs to know about where it is served: its origins (for CSRF), whether
cookies are `Secure`, which proxies name the client, and how long it may trust a session it
looked up."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dataops.config import ConfigError, Network, Settings, parse_origin
from dataops.portal.sessions import CACHE_SECONDS

_WILDCARDS = ("", "0.0.0.0", "::")
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class PortalConfig:
    """`origins[0]` is the public origin; the others are other spellings of it (loopback)."""

    origins: tuple[str, ...]
    trusted_proxies: tuple[Network, ...] = ()
    cache_seconds: float = CACHE_SECONDS

    @property
    def public_origin(self) -> str:
        return self.origins[0]

    @property
    def secure(self) -> bool:
        """Served over HTTPS: cookies are `Secure` and browsers are told to stay on HTTPS."""
        return self.public_origin.startswith("https://")

    @classmethod
    def serving(cls, settings: Settings, host: str, port: int) -> PortalConfig:
        """The portal at `host:port`, public at `DATAOPS_PUBLIC_URL` when that is set."""
        if settings.public_url:
            origins: tuple[str, ...] = (settings.public_url,)
        elif host.strip("[]") in _WILDCARDS:
            raise ConfigError(
                f"serving on every interface ({host or '*'}) needs DATAOPS_PUBLIC_URL: the "
                "address browsers use, e.g. https://dataops.example.org"
            )
        elif _is_loopback(host):
            # A person may type any of these for a portal on this machine.
            own = parse_origin(f"http://{_bracketed(host)}:{port}", "--host")
            others = [parse_origin(f"http://{name}:{port}", "--host") for name in _LOOPBACK_NAMES]
            origins = (own, *(origin for origin in others if origin != own))
        else:
            origins = (parse_origin(f"http://{_bracketed(host)}:{port}", "--host"),)
        return cls(origins=origins, trusted_proxies=settings.trusted_proxies)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
