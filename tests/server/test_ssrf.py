"""Merchant-set URLs cannot point Suivi at its own network."""

from __future__ import annotations

import pytest

from suivi_server.notifications.ssrf import UnresolvableHost, UnsafeUrl, check_public_url

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://127.8.9.10/hooks", "loopback"),
        ("https://10.1.2.3/hooks", "private"),
        ("https://172.16.0.1/hooks", "private"),
        ("https://172.31.255.254/hooks", "private"),
        ("https://192.168.1.20:8443/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://100.64.0.1/hooks", "shared address space"),
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("https://240.0.0.1/hooks", "reserved"),
        ("https://[::1]/hooks", "loopback"),
        ("https://[fc00::1]/hooks", "private"),
        ("https://[fd12:3456::1]/hooks", "private"),
        ("https://[fe80::1]/hooks", "link-local"),
        ("https://[::ffff:127.0.0.1]/hooks", "loopback"),
        ("https://[::ffff:10.0.0.1]/hooks", "private"),
        ("https://[2002:a9fe:a9fe::1]/hooks", "link-local"),  # 6to4 around 169.254.169.254
        ("https://localhost/hooks", "loopback"),
        ("https://LOCALHOST/hooks", "loopback"),
    ],
)
async def test_non_public_addresses_are_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        await check_public_url(url)


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hooks", "https://[2606:4700:4700::1111]:8443/hooks"]
)
async def test_public_address_literals_are_allowed(url: str) -> None:
    await check_public_url(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hooks", "must be https"),
        ("ftp://93.184.215.14/hooks", "must be https"),
        ("93.184.215.14/hooks", "must be https"),
        ("https:///hooks", "names no host"),
        ("https://93.184.215.14:99999/hooks", "port"),
    ],
)
async def test_malformed_or_plain_http_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=why):
        await check_public_url(url)


async def test_a_host_that_does_not_resolve_says_so() -> None:
    with pytest.raises(UnresolvableHost, match="does not resolve"):
        await check_public_url("https://hooks.example.invalid/x")


async def test_allow_private_lets_local_receivers_through() -> None:
    await check_public_url("http://127.0.0.1:8080/hooks", allow_private=True)
    await check_public_url("https://localhost/hooks", allow_private=True)


async def test_allow_private_still_wants_http() -> None:
    with pytest.raises(UnsafeUrl, match="http or https"):
        await check_public_url("file:///etc/passwd", allow_private=True)
