"""Which addresses count as the clinic's own network: private IPv4 (RFC 1918), link-local, loopback, and IPv6
unique-local (fc00::/7) and link-local. Anything else (a public address, carrier-grade NAT 100.64/10) is refused."""

from __future__ import annotations

import ipaddress

_PRIVATE = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8",
    "::1/128", "fc00::/7", "fe80::/10")]


def is_private(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _PRIVATE if network.version == ip.version)


def private_ipv4_addresses() -> list[str]:
    """This computer's private IPv4 addresses (not loopback): where the host listens. Never 0.0.0.0, so a public
    interface (a USB modem with a public address) is never listened on by surprise."""
    import ifaddr  # lazy: a dependency of zeroconf

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and is_private(ip.ip) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return sorted(set(found))
