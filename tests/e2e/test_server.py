"""Boots the test image as a server would boot it: no virtio device at all,
the disk on an NVMe controller (then on AHCI), an e1000e NIC, the i6300esb
watchdog. Checks that berth-init loads the drivers of the devices that are
there by their modalias (and none for devices that are not), that the
e1000e NIC gets a DHCP lease, and that a NIC added through QEMU's monitor
after the boot gets its driver loaded and a lease of its own.
Two boots, about a minute together under TCG.

    python3 tests/e2e/test_server.py [DISK]    (default out/test/disk.raw)
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout  # noqa: E402

r = Report("server")
DISK = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BERTH_TEST_OUT", "out") + "/test/disk.raw"
# berth-init's line after each stage's walk over the devices present (init/drivers.c).
COLDPLUG = re.compile(r"berth: drivers: (\d+) loaded by modalias in \d+ ms:([^;]*); (\d+) failed")


def coldplug_lines(vm):
    """The modules each stage loaded by modalias: [stage 1's, stage 2's]."""
    with vm.lock:
        return [m.group(2).split() for m in COLDPLUG.finditer(vm.buf)]


def modules(vm):
    _, out = vm.sh("cut -d' ' -f1 /proc/modules")
    return set(out.split())


def wait_lease(vm, ifname, timeout=120):
    """The address udhcpc's script recorded for IFNAME, polled until there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st, out = vm.sh(f"cat /run/berth/lease.{ifname}", timeout=10)
            if st == 0 and out.strip():
                return out.strip()
        except Timeout:
            if vm.eof:
                raise
    return None


def boot(vm, controller, disk_driver):
    m = vm.expect(READY)
    r.check(m.group(2) == "a", f"{controller}: the server boots to the ready line", m.group(0))
    vm.wait_shell()
    stages = coldplug_lines(vm)
    r.check(len(stages) == 2, f"{controller}: each stage walks the devices present once",
            str(stages))
    if len(stages) == 2:
        r.check(disk_driver in stages[0],
                f"{controller}: stage 1 loads {disk_driver} by modalias to find the boot disk",
                str(stages[0]))
        r.check("e1000e" in stages[1], f"{controller}: stage 2 loads e1000e by modalias",
                str(stages[1]))
    loaded = modules(vm)
    want = {disk_driver, "e1000e", "i6300esb"}
    r.check(want <= loaded, f"{controller}: lsmod shows {', '.join(sorted(want))}",
            " ".join(sorted(loaded)))
    virtio = sorted(x for x in loaded if x.startswith("virtio"))
    r.check(not virtio, f"{controller}: no virtio module: only what the devices asked for",
            " ".join(virtio))
    lease = wait_lease(vm, "eth0")
    r.check(lease == "10.0.2.15/24", f"{controller}: the e1000e NIC gets a DHCP lease", str(lease))


def hotplug(vm):
    """An e1000 (a driver not loaded yet) in the empty PCIe root port."""
    r.check("e1000" not in modules(vm), "before the NIC is added, e1000 is not loaded")
    mark = vm.mark()
    vm.qmp("netdev_add", type="user", id="n1")
    vm.qmp("device_add", driver="e1000", netdev="n1", bus="hotport", id="nic1")
    try:
        m = vm.wait_for(r"berth: drivers: e1000 loaded for (pci:\S+)", mark, timeout=120)
        r.check(True, "the added NIC's driver is loaded by its modalias", m.group(1))
    except Timeout as e:
        r.check(False, "the added NIC's driver is loaded by its modalias", str(e))
    lease = wait_lease(vm, "eth1")
    r.check(lease == "10.0.2.15/24", "the added NIC gets a DHCP lease", str(lease))


def main():
    vm = VM(DISK, "server-nvme", server="nvme").start()
    try:
        boot(vm, "NVMe", "nvme")
        hotplug(vm)
    except Timeout as e:
        r.check(False, "NVMe server boot", str(e))
    finally:
        vm.close()
    vm = VM(DISK, "server-ahci", server="ahci").start()
    try:
        boot(vm, "AHCI", "ahci")
    except Timeout as e:
        r.check(False, "AHCI server boot", str(e))
    finally:
        vm.close()
    sys.exit(1 if r.failed else 0)


main()
