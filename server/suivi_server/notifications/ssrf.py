"""The guard on merchant-configured URLs: Suivi must not be made to call its own network.

A webhook URL is chosen by whoever holds a merchant's API key. Without this check it could
point at the database's admin port, a cloud metadata service (169.254.169.254) or anything
else only the server can reach. Every address the host name resolves to is checked, IPv4 and
IPv6, with IPv4 addresses hidden inside IPv6 ones (::ffff:127.0.0.1, 6to4) unwrapped first.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(ValueError):
    """The URL must not be called: wrong scheme, or a host inside a non-public network."""


class UnresolvableHost(UnsafeUrl):
    """The host has no address right now: permanent for a URL being set, retryable on sending."""


async def check_public_url(url: str, *, allow_private: bool = False) -> None:
    """Raise UnsafeUrl unless `url` is http(s) (https unless `allow_private`) and every address
    of its host is public. `allow_private` (tests, self-hosted receivers) lets any address by."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # "https://[::1" and other broken hosts
        raise UnsafeUrl(f"{url!r}: {exc}") from None
    allowed = ("http", "https") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl(f"{url!r}: the scheme must be {' or '.join(allowed)}")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise UnsafeUrl(f"{url!r}: the port is not a number between 0 and 65535") from None
    if not host:
        raise UnsafeUrl(f"{url!r} names no host")
    if allow_private:
        return
    for address in await _addresses(host, port):
        if problem := non_public(address):
            raise UnsafeUrl(f"{url!r}: {host} is {address}, {problem}")


def non_public(address: IPAddress) -> str | None:
    """Why `address` is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return non_public(embedded)
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (cloud metadata lives there)"),
        (address.is_multicast, "a multicast address"),
        (address in _SHARED_ADDRESS_SPACE, "in the shared address space 100.64.0.0/10"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a globally routable address"),
    )
    return next((reason for refused, reason in checks if refused), None)


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:  # the loop runs getaddrinfo in its thread pool
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"{host} does not resolve ({exc})") from None
    # IPv6 link-local answers carry a zone ("fe80::1%eth0"): the address is before the '%'.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
