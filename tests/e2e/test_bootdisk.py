"""Two disks holding the same image: berth-init takes root, verity and /var
only from the disk the firmware booted. Every machine of a product has the
same PARTUUIDs, so a stick carrying them must not supply /var. The second
disk here is a full copy of the image whose data partition holds a marker
file. The firmware boots the first disk, vda; the kernel lists the copy,
vdb, first in /sys/class/block (its order is a hash's), where a first-found
rule takes it. One boot."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, partition, partition_number  # noqa: E402

OUT = os.environ.get("BERTH_TEST_OUT", "out")
MARKER = "copy-marker"

r = Report("bootdisk")


def marked_copy(raw, folder):
    """A full copy of disk image RAW with the file /MARKER in its data partition,
    as a qcow2 file over RAW that stores only what differs."""
    full, qcow = os.path.join(folder, "copy.raw"), os.path.join(folder, "copy.qcow2")
    marker = os.path.join(folder, "marker")
    with open(marker, "w") as f:
        f.write("the copy's /var\n")
    subprocess.run(["cp", "--sparse=always", raw, full], check=True)
    data = f"{full}?offset={partition(raw, 'data')[0]}"
    subprocess.run(["debugfs", "-w", "-R", f"write {marker} {MARKER}", data], check=True,
                   capture_output=True)
    out = subprocess.run(["debugfs", "-R", f"stat {MARKER}", data], capture_output=True, text=True)
    r.check("Inode:" in out.stdout, "the copy's data partition holds the marker", out.stderr)
    subprocess.run(["qemu-img", "convert", "-q", "-O", "qcow2", "-F", "raw", "-B",
                    os.path.abspath(raw), full, qcow], check=True)
    os.unlink(full)
    return qcow


def disk_names(vm):
    """(the booted disk's kernel name, the copy's): the copy has the serial disk1."""
    own = copy = None
    _, out = vm.sh("for d in /sys/block/vd*; do echo ${d##*/} $(cat $d/serial); done")
    for line in out.splitlines():
        words = line.split()
        if words and re.fullmatch(r"vd[a-z]+", words[0]):
            if words[1:] == ["disk1"]:
                copy = words[0]
            else:
                own = words[0]
    return own, copy


def check_boot(vm, raw):
    m = vm.expect(READY)
    r.check(m.group(2) == "a", "ready with a full copy of the image on a second disk", m.group(0))
    vm.wait_shell()
    own, copy = disk_names(vm)
    if not r.check(own and copy, "the guest has both disks", f"{own}, {copy}"):
        return
    _, out = vm.sh("find /sys/class/block -mindepth 1 -maxdepth 1")
    order = [line.rsplit("/", 1)[-1] for line in out.split()]
    r.check(copy in order and own in order and order.index(copy) < order.index(own),
            "the copy comes first in sysfs order, where a first-found rule takes it", out)

    r.check(vm.seen(rf"berth: boot disk: {own} \(esp root verity data\), where the firmware's "
                    r"boot entry points"),
            "stage 1 takes the disk the firmware booted (the ESP is on both: its boot entry says)")
    r.check(vm.seen(rf"berth: boot disk: {copy} also holds this image's PARTUUIDs "
                    r"\(esp root verity data\): another copy, ignored"),
            "the console says the copy was seen and ignored")
    _, out = vm.sh("ls /sys/block/dm-0/slaves")
    r.check(sorted(out.split()) == [f"{own}2", f"{own}3"], "root and verity from the booted disk",
            out)
    _, out = vm.sh("grep ' /var ' /proc/mounts")
    data = f"/dev/{own}{partition_number(raw, 'data')}"
    r.check(out.startswith(f"{data} "), f"/var is {data}, on the booted disk", out)
    st, _ = vm.sh(f"test -e /var/{MARKER}")
    r.check(st != 0, "/var is the machine's own: the copy's marker is absent")


def main():
    raw = f"{OUT}/test/disk.raw"
    folder = tempfile.mkdtemp(prefix="berth-bootdisk-")
    vm = None
    try:
        vm = VM(raw, "bootdisk", more_disks=[marked_copy(raw, folder)]).start()
        check_boot(vm, raw)
    except Timeout as e:
        r.check(False, "boot with a copy of the image on a second disk", str(e))
    finally:
        if vm:
            vm.close()
        shutil.rmtree(folder, ignore_errors=True)


main()
