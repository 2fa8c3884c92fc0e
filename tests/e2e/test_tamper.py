"""A root partition changed by one byte must not boot: dm-verity fails
closed, nothing from it runs, and the console says why. A service's
program is part of the verified root too: a byte changed there stops the
machine when crun first runs it."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, partition  # noqa: E402

r = Report("tamper")


def flipped_copy(image, where):
    """A copy of IMAGE's disk with one byte flipped WHERE bytes into root-a: (folder, disk)."""
    tmp = tempfile.mkdtemp(prefix="berth-tamper-")
    disk = os.path.join(tmp, "disk.raw")
    subprocess.run(["cp", "--sparse=always", f"out/{image}/disk.raw", disk], check=True)
    start, _ = partition(disk, "root-a")
    with open(disk, "r+b") as f:
        f.seek(start + where)
        b = f.read(1)
        f.seek(start + where)
        f.write(bytes([b[0] ^ 0x01]))
    return tmp, disk


def tampered_boot(name, where):
    """Boot a copy of the test image with one byte flipped WHERE bytes into root-a."""
    tmp, disk = flipped_copy("test", where)
    vm = VM(disk, f"tamper-{name}", reboot=False, backing=False).start()
    try:
        code = vm.wait_exit()
        r.check(not vm.seen(READY.pattern), f"{name}: no ready line")
        r.check(vm.seen(r"verity.*(corrupt|mismatch)|berth: stage1: FAILED"), f"{name}: a verity error on the console")
        r.check(not vm.seen(r"berth: stage2"), f"{name}: nothing from the tampered root ran")
        r.check(code == 0, f"{name}: the machine restarts instead of going on", f"qemu exit {code}")
    except Timeout as e:
        r.check(False, f"{name}: tampered image stops", str(e))
    finally:
        vm.close()
        subprocess.run(["rm", "-rf", tmp])


def file_block(image, path, extent=-1):
    """Offset in IMAGE (erofs) of the middle of one of PATH's stored extents (the last)."""
    out = subprocess.run(["dump.erofs", "-e", f"--path={path}", image], check=True,
                         capture_output=True, text=True).stdout
    extents = re.findall(r"(?m)^\s*\d+:[^|]*\|\s*\d+\s*:\s*(\d+)\.\.\s*(\d+)\s*\|", out)
    if not extents:
        raise RuntimeError(f"no extents for {path} in dump.erofs output:\n{out}")
    start, end = map(int, extents[extent])
    return (start + end) // 2


def service_boot():
    """rollback-base's service program, /hello in its image's tree, changed by one byte."""
    with open("out/rollback-base/work/generated/etc/berth/containers.conf") as f:
        tree = re.search(r"(?m)^image (\S+)$", f.read()).group(1)
    # The first extent holds the ELF header, which every exec reads.
    where = file_block("out/rollback-base/work/root.erofs", f"{tree}/rootfs/hello", 0)
    tmp, disk = flipped_copy("rollback-base", where)
    vm = VM(disk, "tamper-service", reboot=False, backing=False).start()
    try:
        code = vm.wait_exit()
        r.check(vm.seen(r"berth: stage2"), "service: the root mounts and stage 2 starts")
        r.check(vm.seen(r"verity.*(corrupt|mismatch)"), "service: a verity error on the console")
        r.check(not vm.seen(r"hello\| hello: listening|berth: hello is healthy"),
                "service: the changed program never runs")
        r.check(code == 0, "service: the machine restarts instead of going on",
                f"qemu exit {code}")
    except Timeout as e:
        r.check(False, "service: tampered service stops the machine", str(e))
    finally:
        vm.close()
        subprocess.run(["rm", "-rf", tmp])


# The erofs superblock: read by the mount in stage 1.
tampered_boot("superblock", 1024 + 16)
# Inside /sbin/init's data: the root mounts, and the first read of that
# block (when stage 1 starts /sbin/init) stops the machine.
tampered_boot("init-binary", file_block("out/test/work/root.erofs", "/usr/sbin/init"))
service_boot()
