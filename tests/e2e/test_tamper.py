"""A root partition changed by one byte must not boot: dm-verity fails
closed, nothing from it runs, and the console says why."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, partition  # noqa: E402

r = Report("tamper")


def tampered_boot(name, where):
    """Boot a copy of the test image with one byte flipped WHERE bytes into root-a."""
    tmp = tempfile.mkdtemp(prefix="berth-tamper-")
    disk = os.path.join(tmp, "disk.raw")
    subprocess.run(["cp", "--sparse=always", "out/test/disk.raw", disk], check=True)
    start, _ = partition(disk, "root-a")
    with open(disk, "r+b") as f:
        f.seek(start + where)
        b = f.read(1)
        f.seek(start + where)
        f.write(bytes([b[0] ^ 0x01]))
    vm = VM(disk, f"tamper-{name}", reboot=False, backing=False).start()
    try:
        code = vm.wait_exit()
        r.check(not vm.seen(READY.pattern), f"{name}: no ready line")
        r.check(vm.seen(r"verity.*(corrupt|mismatch)|berth: stage1: FAILED"), f"{name}: a verity error on the console")
        r.check(not vm.seen(r"berth: stage2|berth: /var"), f"{name}: nothing from the tampered root ran")
        r.check(code == 0, f"{name}: the machine restarts instead of going on", f"qemu exit {code}")
    except Timeout as e:
        r.check(False, f"{name}: tampered image stops", str(e))
    finally:
        vm.close()
        subprocess.run(["rm", "-rf", tmp])


# The erofs superblock (read by every mount).
tampered_boot("superblock", 1024 + 16)
