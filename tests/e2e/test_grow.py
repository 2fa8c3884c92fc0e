"""The data partition fills the disk it is written to. out/test's image goes
onto a 4 GiB disk with berth flash (a sparse file; a marker file is then put
in /var): the first boot grows the partition in the GPT and its ext4 online,
the next changes nothing. Power cuts part-way through the growth are made
on the host with build/growcut (the same plan berth-init follows, its first
K writes): after each, the machine boots with /var's files intact and
finishes the job. Every disk is checked on the host afterwards: sfdisk
finds both GPTs sound, e2fsck finds the file system clean, and it fills the
space the disk has after the partition's start to within 1%.

Boots: two for the uncut disk, one per cut (3; every cut point with
BERTH_POWER_CUTS above 3, as make test-long sets it): about 90 s."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, partition, partition_number  # noqa: E402

OUT = os.environ.get("BERTH_TEST_OUT", "out")
CUTS = int(os.environ.get("BERTH_POWER_CUTS", "3"))
SIZE = 4 << 30
MARKER = "grow-marker"
GROWN = re.compile(r"berth: data partition: (\S+) grown from (\d+) to (\d+) MiB")
# A cut after the header took the new size leaves the rest of the table to the next boot.
GPT_DONE = re.compile(r"berth: data partition: (\S+) grown from|GPT completed at the disk's end")
FS_GROWN = re.compile(r"berth: /var: ext4 grown from (\d+) to (\d+) MiB")

r = Report("grow")


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def disk_copy(raw, folder, name):
    """RAW written by berth flash onto a disk of SIZE bytes (a sparse file), then
    the file /MARKER put in its data partition."""
    disk, marker = os.path.join(folder, f"{name}.raw"), os.path.join(folder, "marker")
    with open(marker, "w") as f:
        f.write("written before the first boot\n")
    with open(disk, "wb") as f:
        f.truncate(SIZE)
    run("build/berth", "flash", raw, disk)
    run("debugfs", "-w", "-R", f"write {marker} {MARKER}",
        f"{disk}?offset={partition(raw, 'data')[0]}")
    return disk


def boot(disk, name, expect_gpt, expect_fs, grown=False):
    """One boot of DISK: ready, /var holds the marker; the console shows work on
    the GPT exactly when EXPECT_GPT and the file system's growth when EXPECT_FS.
    With GROWN, returns the console's line on the partition's growth."""
    vm, m = VM(disk, name, backing=False), None
    try:
        vm.start()
        m = vm.expect(GROWN) if grown else None
        vm.expect(READY)
        vm.wait_shell()
        st, out = vm.sh(f"cat /var/{MARKER}")
        r.check(st == 0 and "before the first boot" in out, f"{name}: /var's files are intact", out)
        r.check(vm.seen(GPT_DONE) == expect_gpt,
                f"{name}: the GPT is {'worked on' if expect_gpt else 'left as it is'}")
        r.check(vm.seen(FS_GROWN) == expect_fs,
                f"{name}: ext4 is {'grown' if expect_fs else 'left as it is'}")
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, f"{name}: boots", str(e))
    finally:
        vm.close()
    return m


def check_disk(disk, name):
    """On the host: both GPTs sound, the file system clean and filling the disk."""
    out = subprocess.run(["sfdisk", "--verify", disk], capture_output=True, text=True)
    r.check(out.returncode == 0 and "No errors detected" in out.stdout,
            f"{name}: sfdisk finds both GPTs sound", out.stdout + out.stderr)
    start, size = partition(disk, "data")
    fs = f"{disk}?offset={start}"
    out = subprocess.run(["e2fsck", "-fn", fs], capture_output=True, text=True)
    r.check(out.returncode == 0, f"{name}: e2fsck finds /var clean", out.stdout + out.stderr)
    head = run("dumpe2fs", "-h", fs)
    blocks = int(re.search(r"^Block count:\s+(\d+)", head, re.M).group(1))
    bsize = int(re.search(r"^Block size:\s+(\d+)", head, re.M).group(1))
    room = SIZE - start
    r.check(blocks * bsize >= 0.99 * room and blocks * bsize <= size,
            f"{name}: /var fills the disk after its start to within 1%",
            f"{blocks * bsize} of {room} bytes, partition {size}")
    return blocks


def gpt_bytes(disk):
    with open(disk, "rb") as f:
        first = f.read(1 << 20)
        f.seek(SIZE - (1 << 20))
        return first + f.read()


def main():
    raw = f"{OUT}/test/disk.raw"
    number = str(partition_number(raw, "data"))
    folder = tempfile.mkdtemp(prefix="berth-grow-")
    try:
        disk = disk_copy(raw, folder, "whole")
        m = boot(disk, "grow-first", True, True, grown=True)
        # To the last whole MiB before the backup GPT's 33 sectors.
        start, size = partition(raw, "data")
        end = (SIZE - 33 * 512) >> 20 << 20
        r.check(m and m.group(2) == str(size >> 20) and m.group(3) == str((end - start) >> 20),
                "grow-first: the partition grew from the image's size to the disk's",
                m.group(0) if m else "no such line")
        blocks, table = check_disk(disk, "grow-first"), gpt_bytes(disk)
        boot(disk, "grow-again", False, False)
        r.check(gpt_bytes(disk) == table, "grow-again: the GPT is byte for byte the same")
        r.check(check_disk(disk, "grow-again") == blocks, "grow-again: /var is the same size")

        probe = disk_copy(raw, folder, "probe")
        writes = int(run("build/growcut", probe, number, "0"))
        cuts = range(1, writes + 1) if CUTS > 3 else (1, 3, writes)
        for k in cuts:
            name = f"grow-cut-{k}-of-{writes}"
            disk = disk_copy(raw, folder, name)
            run("build/growcut", disk, number, str(k))
            # After all of its writes the GPT is grown; /var's ext4 is not yet.
            boot(disk, name, k < writes, True)
            check_disk(disk, name)
            os.unlink(disk)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


main()
