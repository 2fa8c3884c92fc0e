"""Boots the image of tests/manifests/network.yaml: a static network.conf and
no /etc/hostname. Checks what berth-init makes of them: eth0's addresses and
routes (rtnetlink), /run/resolv.conf, no DHCP client, connections to the host,
and a hostname from the machine id, which /var keeps across a reboot.

    python3 tests/e2e/test_network.py [DISK]    (default out/network/disk.raw)
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, host_listener  # noqa: E402

r = Report("network")
DISK = sys.argv[1] if len(sys.argv) > 1 else "out/network/disk.raw"


def lines(out, prefix):
    """OUT's lines that start with PREFIX, trimmed; kernel messages on the console are dropped."""
    return [x.strip() for x in out.splitlines()
            if x.strip() and x.strip().startswith(prefix) and not x.startswith("[")]


def reaches_host(vm, guest_host, listen, name):
    port, got, t = host_listener(listen)
    st, out = vm.sh(f"echo hi | nc -w 10 {guest_host} {port}")
    t.join(30)
    r.check(bytes(got) == b"hi\n", name, f"status {st}, host got {bytes(got)!r}; {out}")


def check_static(vm):
    r.check(vm.seen(r"berth: network: eth0 10\.0\.2\.15/24 fec0::15/64 \(static\)\n"),
            "berth-init logs eth0's static addresses")
    _, out = vm.sh("ip -4 addr show dev eth0")
    r.check("inet 10.0.2.15/24 brd 10.0.2.255 " in out, "eth0 has 10.0.2.15/24", out)
    _, out = vm.sh("ip -6 addr show dev eth0")
    line = lines(out, "inet6 fec0::15/64 ")
    r.check(len(line) == 1 and "tentative" not in line[0],
            "eth0 has fec0::15/64, usable at once (no DAD)", out)
    # The link-local address comes with the carrier, a moment after the link is up;
    # router advertisements (which would add a SLAAC address) only after that.
    deadline = time.monotonic() + 30
    while not lines(out, "inet6 fe80::") and time.monotonic() < deadline:
        time.sleep(0.5)
        _, out = vm.sh("ip -6 addr show dev eth0")
    _, ra = vm.sh("cat /proc/sys/net/ipv6/conf/eth0/accept_ra")
    others = [x for x in lines(out, "inet6 ") if not x.startswith(("inet6 fec0::15/64 ", "inet6 fe80::"))]
    r.check(lines(out, "inet6 fe80::") and not others and ra.strip() == "0",
            "beside it only the link-local address; router advertisements off (no SLAAC)",
            f"accept_ra {ra.strip()}; {out}")
    _, out = vm.sh("ip -4 route show default")
    r.check(lines(out, "default") == ["default via 10.0.2.2 dev eth0"],
            "IPv4 default route via 10.0.2.2", out)
    _, out = vm.sh("ip -6 route show default")
    r.check([re.sub(r" +metric \d+", "", x) for x in lines(out, "default")] == ["default via fec0::2 dev eth0"],
            "IPv6 default route via fec0::2, and no other", out)
    _, out = vm.sh("ip -4 route show 192.168.5.0/24")
    r.check("192.168.5.0/24 dev eth0 scope link" in out, "on-link route 192.168.5.0/24", out)
    _, out = vm.sh("cat /run/resolv.conf")
    r.check(lines(out, "") == ["nameserver 10.0.2.3"], "/run/resolv.conf has 10.0.2.3 only", out)
    _, out = vm.sh("ps w | grep [u]dhcpc")
    r.check(out.strip() == "", "no udhcpc runs", out)
    reaches_host(vm, "10.0.2.2", "127.0.0.1", "the guest reaches a TCP port on the host at 10.0.2.2")
    reaches_host(vm, "fec0::2", "::1", "the guest reaches a TCP port on the host at fec0::2")
    # A DHCP lease elsewhere must not replace the resolv.conf of network.conf's dns lines.
    vm.sh("interface=none0 ip=192.0.2.9 dns=192.0.2.53 /usr/share/udhcpc/default.script bound")
    _, out = vm.sh("cat /run/resolv.conf")
    r.check(lines(out, "") == ["nameserver 10.0.2.3"], "the DHCP script leaves that resolv.conf alone",
            out)


def check_identity(vm):
    r.check(vm.seen(r"berth: machine id: new, stored in /var/lib/berth/machine-id\n"),
            "the first boot makes and stores a machine id")
    _, name = vm.sh("hostname")
    _, mid = vm.sh("cat /etc/machine-id")
    _, kept = vm.sh("cat /var/lib/berth/machine-id")
    name, mid = name.strip(), mid.strip()
    r.check(re.fullmatch(r"[0-9a-f]{32}", mid) and kept.strip() == mid,
            "/etc/machine-id is the id kept in /var/lib/berth", f"{mid!r} {kept!r}")
    r.check(re.fullmatch(r"berth-[0-9a-f]{8}", name) and name[6:] == mid[:8],
            "hostname is berth- and the machine id's first 8 hex digits", f"{name!r} {mid!r}")
    r.check(vm.seen(rf"berth: hostname {name} \(from machine id\)\n"),
            "berth-init logs the hostname and where it came from")
    return name, mid


def main():
    vm = VM(DISK, "network").start()
    try:
        vm.expect(READY)
        vm.wait_shell()
        check_static(vm)
        name, mid = check_identity(vm)

        vm.send("reboot")
        vm.expect(READY)
        vm.wait_shell()
        _, name2 = vm.sh("hostname")
        _, mid2 = vm.sh("cat /etc/machine-id")
        r.check(name2.strip() == name and mid2.strip() == mid,
                "same hostname and machine id after a reboot", f"{name2!r} {mid2!r}")
        with vm.lock:
            made = vm.buf.count("berth: machine id: new")
        r.check(made == 1, "the second boot makes no new machine id", f"{made} made")
        r.check(vm.seen(r"berth: network: eth0 10\.0\.2\.15/24 fec0::15/64 \(static\)\n(.|\n)*"
                        r"berth: network: eth0 10\.0\.2\.15/24 fec0::15/64 \(static\)\n"),
                "static addresses again after the reboot")
    except Timeout as e:
        r.check(False, "network image boot", str(e))
    finally:
        vm.close()


main()
sys.exit(1 if r.failed else 0)
