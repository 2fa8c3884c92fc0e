"""Installing from a USB stick: out/test's image (a qcow2 overlay of it) as a USB stick
(qemu-xhci, usb-storage) and an empty 4 GiB NVMe disk. The "Install to disk" entry is chosen
in systemd-boot's menu over the serial console (OVMF reads keys from it): a key is sent
until the menu shows its entries, then the down key and Enter. berth-install copies the
image onto the NVMe disk and sets BootNext to the firmware's entry for it; berth-init reboots: with the
stick still in, the installed system comes up from NVMe and its data partition fills the
disk. The test then starts the machine again without the stick (same NVMe disk, same
firmware variables): it boots from NVMe, its ESP holds no installer entry, and one
berth-update install of out/test-v2's 0.2.0 bundle (served over HTTP) boots on slot b.
Refusals, each on a machine of its own that must halt with nothing written: a stick that
has first booted as a system (its /var is that machine's), two empty internal disks (the
message names both), and one disk holding a partition table without ",wipe" in the entry.

Boots: a normal one from the stick (the installer is not the default), three refusals, the
install, the installed system twice (stick in, stick out) and its update's reboot: eight,
about 4 minutes under TCG."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, HttpServer, Report, Timeout  # noqa: E402

r = Report("install")
OUT = os.environ.get("BERTH_TEST_OUT", "out")
DISK = f"{OUT}/test/disk.raw"
V2 = f"{OUT}/test-v2/berth_0.2.0.berth"
SIZE = 4 << 30
MENU = "Install to disk"
HALTED = "berth: install: halted"


def stick_vm(name, nvme, vars=None):
    """A machine with DISK as a USB stick (through a fresh overlay) and the NVMe disks NVME
    (files used as they are: qcow2, or raw when they end in .raw), serials nvme1, nvme2..."""
    vm = VM(DISK, name, vars=vars)
    at = vm.cmd.index(f"file={vm.disk},format=qcow2,if=virtio")
    devices = ["-device", "qemu-xhci,id=xhci",
               "-drive", f"file={vm.disk},format=qcow2,if=none,id=stick",
               "-device", "usb-storage,bus=xhci.0,drive=stick,removable=on"]
    vm.cmd[at - 1:at + 1] = devices + nvme_args(nvme)
    return vm


def nvme_args(disks):
    args = []
    for i, path in enumerate(disks, 1):
        fmt = "raw" if path.endswith(".raw") else "qcow2"
        args += ["-drive", f"file={path},format={fmt},if=none,id=nvme{i}",
                 "-device", f"nvme,drive=nvme{i},serial=nvme{i}"]
    return args


def nvme_vm(name, disk, vars):
    """The installed machine: the same with the stick pulled out (its USB controller stays,
    so the NVMe controller keeps its PCI address and the firmware's boot entry for it),
    with the firmware variables VARS."""
    vm = VM(disk, name, backing=False, vars=vars)
    at = vm.cmd.index(f"file={disk},format=raw,if=virtio")
    vm.cmd[at - 1:at + 1] = ["-device", "qemu-xhci,id=xhci"] + nvme_args([disk])
    return vm


def choose_installer(vm, since=0, timeout=240):
    """Keys on the serial console until systemd-boot shows its menu (with the timeout at 0 a
    key held at its start opens it), then the second entry, the installer, and Enter."""
    deadline = time.monotonic() + timeout
    while MENU not in vm.buf[since:]:
        if time.monotonic() > deadline or vm.eof:
            raise Timeout(f"systemd-boot's menu with {MENU!r} not seen (see {vm.log_path})")
        vm.proc.stdin.write(b" ")
        vm.proc.stdin.flush()
        with vm.lock:
            vm.lock.wait(0.2)
    vm.proc.stdin.write(b"j")
    vm.proc.stdin.flush()
    vm.proc.stdin.write(b"\r")
    vm.proc.stdin.flush()


def empty_qcow2(folder, name):
    path = os.path.join(folder, f"{name}.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, str(SIZE)], check=True)
    return path


def written(qcow2):
    """Whether anything was ever written into the qcow2 file QCOW2 (any cluster allocated)."""
    import json
    out = subprocess.run(["qemu-img", "map", "--output=json", qcow2], check=True,
                         capture_output=True, text=True).stdout
    return any(m["data"] for m in json.loads(out))


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def refused(name, disks, reason, unchanged, normal_first=False):
    """A machine with the stick and DISKS, booted into the installer: it says REASON (a
    regular expression), halts, and UNCHANGED() holds afterwards. With NORMAL_FIRST it
    first boots without a key pressed: the default entry, slot A's release, not the
    installer; then it reboots."""
    vm = stick_vm(name, disks)
    try:
        vm.start()
        if normal_first:
            m = vm.expect(READY)
            r.check(m.group(2) == "a" and not vm.seen("berth: install:"),
                    f"{name}: without a key the stick boots its release, not the installer",
                    m.group(0))
            vm.wait_shell()
            vm.send("reboot")
        choose_installer(vm, vm.mark())
        m = vm.expect(r"berth: install: REFUSED: ([^\r\n]*)\r?\n")  # the whole line
        r.check(re.search(reason, m.group(1)) is not None, f"{name}: refused, saying why",
                m.group(0))
        vm.expect(HALTED)
        vm.expect(r"reboot: System halted", timeout=60)
        r.check(True, f"{name}: the machine halts (no reboot)")
    except Timeout as e:
        r.check(False, f"{name}: refused and halted", str(e))
    finally:
        vm.close()
    r.check(unchanged(), f"{name}: no disk written")


def install(folder):
    """The install onto an empty NVMe disk; returns (the disk, the firmware variables)."""
    target = empty_qcow2(folder, "target")
    vars = os.path.join(folder, "vars.fd")
    vm = stick_vm("install", [target])
    ok = False
    try:
        vm.start()
        choose_installer(vm)
        m = vm.expect(r"berth: install: (\S+) \((\d+) MiB, the image\) onto (\S+) \(")
        r.check(m.group(3) == "nvme0n1" and int(m.group(2)) == os.path.getsize(DISK) >> 20,
                "the installer takes the only internal disk, nvme0n1, and the image's size",
                m.group(0))
        r.check(not vm.seen(r"berth: data partition: \S+ grown"),
                "the stick's data partition is not grown")
        m = vm.expect(r"berth: install: (\d+) MiB written onto (\S+), read back and checked, "
                      r"in (\d+) s", timeout=900)
        r.check(True, "the image is written and read back", m.group(0))
        print(f"# install: copy and read-back took {m.group(3)} s", flush=True)
        m = vm.expect(r"berth: install: (the firmware starts Boot\w+, nvme0n1's entry, next|no "
                      r"firmware boot entry[^\n]*)")
        r.check(m.group(1).startswith("the firmware starts"),
                "the installer has the firmware start the NVMe disk's own entry next (BootNext)",
                m.group(0))
        vm.expect(r"berth: install: done")
        vm.expect(r"reboot: Restarting system", timeout=120)
        r.check(True, "the installer reboots")
        # The stick is still in: the firmware's BootNext, then berth-init's boot disk choice
        # (by the ESP booted; when both copies of it are seen, by the firmware's entry) must
        # start the installed system.
        m = vm.expect(r"berth: boot disk: (\S+) \(")
        r.check(m.group(1) == "nvme0n1" and vm.buf.count("berth: install: berth.install=") == 1,
                "it reboots into the installed system, the stick still in", m.group(0))
        m = vm.expect(READY)
        r.check(m.group(2) == "a", "the installed system is ready", m.group(0))
        r.check(vm.seen(r"berth: data partition: nvme0n1p\d+ grown from \d+ to \d+ MiB"),
                "its data partition grows to the disk's end at its first boot")
        vm.wait_shell()
        vm.poweroff(r)
        ok = True
        shutil.copyfile(vm.vars, vars)
    except Timeout as e:
        r.check(False, "install", str(e))
    finally:
        vm.close()
    return (target, vars) if ok else (None, None)


def esp_listing(vm):
    """The installed ESP's files (mounted read-only), as paths."""
    st, out = vm.sh("mkdir -p /tmp/esp && mount -t vfat -o ro /dev/nvme0n1p1 /tmp/esp && "
                    "(cd /tmp/esp && find . -type f); s=$?; umount /tmp/esp; (exit $s)")
    return sorted(line[1:] for line in out.split() if line.startswith("./")) if st == 0 else None


def installed(target, vars):
    """The machine without the stick boots the installed system and updates it, from a
    server that ignores Range requests: berth-update downloads the bundle whole."""
    srv = HttpServer(ranges=False)
    srv.add("v2", (V2, 0, os.path.getsize(V2)))
    vm = nvme_vm("installed", target, vars)
    try:
        vm.start()
        m = vm.expect(r"berth: boot disk: (\S+) \(")
        r.check(m.group(1) == "nvme0n1", "the installed system boots from the NVMe disk",
                m.group(0))
        m = vm.expect(READY)
        r.check(m.group(1) == "0.1.0" and m.group(2) == "a",
                "the installed system is ready without the stick", m.group(0))
        r.check(not vm.seen(r"berth: data partition: \S+ grown"),
                "its data partition has nothing left to grow")
        vm.wait_shell()
        files = esp_listing(vm)
        r.check(files is not None and "/EFI/Linux/berth_0.1.0.efi" in files and
                not any("install" in f for f in files),
                "the installed ESP holds slot A's entry and no installer", str(files))
        r.check(vm.wait_network(), "network up")
        st, out = vm.sh(f"berth-update install {srv.url('v2')}", timeout=900)
        r.check(st == 0 and "installed berth_0.2.0+3.efi" in out,
                "berth-update installs 0.2.0 on the installed system", f"{st}: {out}")
        r.check("ignores Range requests: downloading the whole bundle" in out and
                srv.sent.get("v2", 0) >= os.path.getsize(V2),
                "the server ignores Range: berth-update says so and downloads the whole bundle",
                f"{srv.sent}: {out}")
        vm.send("reboot")
        m = vm.expect(READY)
        r.check(m.group(1) == "0.2.0" and m.group(2) == "b", "the next boot is 0.2.0 on slot b",
                m.group(0))
        vm.wait_shell()
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "the installed system", str(e))
    finally:
        vm.close()
        srv.close()


def main():
    start = time.monotonic()
    folder = tempfile.mkdtemp(prefix="berth-install-")
    try:
        a, b = empty_qcow2(folder, "a"), empty_qcow2(folder, "b")
        refused("refuse-used", [a], r"the boot disk has started as a system",
                lambda: not written(a), normal_first=True)
        refused("refuse-two", [a, b], r"several internal disks could be the target: "
                r"(nvme0n1, nvme1n1|nvme1n1, nvme0n1);",
                lambda: not written(a) and not written(b))
        table = os.path.join(folder, "table.raw")
        with open(table, "wb") as f:
            f.truncate(SIZE)
        subprocess.run(["sfdisk", "--quiet", table], input="label: gpt\nsize=100MiB\n",
                       text=True, check=True)
        before = digest(table)
        refused("refuse-table", [table], r"nvme0n1 holds a partition table",
                lambda: digest(table) == before)
        os.unlink(table)
        target, vars = install(folder)
        if target:
            installed(target, vars)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"# install: {time.monotonic() - start:.0f} s", flush=True)
    sys.exit(1 if r.failed else 0)


main()
