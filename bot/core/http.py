"""Small HTTP facts every part of the one web server shares: which addresses are loopback, and
whether a request's Host header names one (a page or an endpoint served only to this machine must
refuse other Host names, or DNS rebinding lets any web page reach it)."""

from __future__ import annotations

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(address: str) -> bool:
    return address in LOOPBACK


def hostname(host_header: str) -> str:
    """The name in a Host header, without its port (``[::1]:80`` → ``::1``)."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def foreign_host(bind_host: str, host_header: str) -> bool:
    """Bound to loopback, but asked for another name: refuse."""
    return is_loopback(bind_host) and hostname(host_header) not in LOOPBACK
