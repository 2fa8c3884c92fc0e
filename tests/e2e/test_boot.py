"""Boots the images and checks the spine: verified read-only root, writable
/var that survives a reboot, DHCP networking, clean power-off."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import BOOT_TIMEOUT, READY, VM, Report, Timeout, host_listener  # noqa: E402

WATCHDOG_S = 60  # the timeout stage 1 sets (init/watchdog.c)

r = Report("boot")
# The folder holding test/ (the build of tests/manifests/test.yaml), for
# builds made elsewhere than out/. The default image's boot: test_run.py.
OUT = os.environ.get("BERTH_TEST_OUT", "out")


def check_network(vm):
    """DHCP through QEMU's user networking: address, route, DNS, and a connection to the host."""
    deadline, st = time.monotonic() + 120, None
    while st != 0 and time.monotonic() < deadline:
        try:  # udhcpc's own console lines may garble one answer: ask again
            st, _ = vm.sh("test -e /run/berth/milestones/network", timeout=10)
        except Timeout:
            pass
    if not r.check(st == 0, "network comes up (/run/berth/milestones/network)"):
        return
    _, out = vm.sh("cat /run/berth/milestones/network")
    r.check(out.strip().isdigit(), "the milestone holds the ms since boot", out)
    r.check(vm.seen(r"berth: network: eth0 10\.0\.2\.15/24 via 10\.0\.2\.2"),
            "the DHCP script logs the lease on the console")
    _, out = vm.sh("ip -4 addr show eth0")
    r.check("inet 10.0.2.15/24" in out, "eth0 has 10.0.2.15/24 from DHCP", out)
    _, out = vm.sh("ip route show default")
    r.check("default via 10.0.2.2 dev eth0" in out, "the default route is via 10.0.2.2", out)
    _, out = vm.sh("cat /etc/resolv.conf")
    r.check("nameserver 10.0.2.3" in out, "/etc/resolv.conf names 10.0.2.3", out)
    port, got, t = host_listener()
    st, out = vm.sh(f"echo hi | nc -w 10 10.0.2.2 {port}")
    t.join(30)
    r.check(bytes(got) == b"hi\n", "the guest reaches a TCP port on the host",
            f"status {st}, host got {bytes(got)!r}; {out}")


def test_image():
    vm = VM(f"{OUT}/test/disk.raw", "test").start()
    try:
        m = vm.expect(READY)
        r.check(m.group(1) == "0.1.0" and m.group(2) == "a", "test image ready", m.group(0))
        r.check(vm.seen(r"berth: stage2: PID 1 on the verified root"), "stage 2 announces itself")
        vm.wait_shell()

        _, out = vm.sh("awk '$2 == \"/\" {print $1, $3, $4}' /proc/mounts")
        dev, fstype, opts = (out.split() + ["", "", ""])[:3]
        r.check(dev.startswith("/dev/dm-") and fstype == "erofs", "/ is erofs on a device-mapper device", out)
        r.check(opts.split(",")[0] == "ro", "/ is mounted read-only", out)
        st, out = vm.sh(f"cat /sys/block/{os.path.basename(dev)}/dm/uuid")
        r.check(st == 0 and "VERITY" in out, "the root device is berth's verity device", out)
        st, out = vm.sh("echo x > /probe")
        r.check(st != 0, "a write to / fails", out)
        st, out = vm.sh("grep ' /var ' /proc/mounts")
        r.check(st == 0 and " ext4 rw" in out, "/var is ext4, read-write", out)
        st, _ = vm.sh("echo persisted-42 > /var/probe && sync")
        r.check(st == 0, "a file can be written to /var")
        check_network(vm)

        # A hung kernel: panics reboot nothing (panic=0), so only the hardware
        # watchdog stage 1 armed can bring the machine back.
        r.check(vm.seen(r"berth: watchdog: armed, 60 s"), "stage 1 arms the watchdog (60 s)")
        vm.send("echo 0 > /proc/sys/kernel/panic; echo c > /proc/sysrq-trigger")
        vm.expect(r"Kernel panic")
        m = vm.expect(READY, timeout=WATCHDOG_S + BOOT_TIMEOUT)
        r.check(m.group(2) == "a", "after a kernel hang the watchdog resets the machine; ready again",
                m.group(0))
        vm.wait_shell()

        vm.send("reboot")
        m = vm.expect(READY)
        r.check(m.group(2) == "a", "ready again after reboot", m.group(0))
        vm.wait_shell()
        st, out = vm.sh("cat /var/probe")
        r.check(st == 0 and out.strip() == "persisted-42", "the /var file survives a reboot", out)

        vm.poweroff(r)
        r.check(vm.seen(r"berth: shutting down"), "berth-init announces the shutdown")
    except Timeout as e:
        r.check(False, "test image boot", str(e))
    finally:
        vm.close()


test_image()
