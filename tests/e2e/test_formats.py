"""Boots the containerd image's qcow2 and VHD (disk.formats; image/mkformats.sh)
to the ready line, each through a qcow2 overlay, so the image files stay as
the build wrote them (SHA256SUMS still holds after both boots)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout  # noqa: E402

r = Report("formats")
OUT = os.path.join(os.environ.get("BERTH_TEST_OUT", "out"), "containerd")

# The file, and its format as QEMU names it.
for name, fmt in (("disk.qcow2", "qcow2"), ("disk.vhd", "vpc")):
    vm = VM(os.path.join(OUT, name), f"formats-{fmt}", disk_format=fmt).start()
    try:
        m = vm.expect(READY)
        r.check(m.group(2) == "a", f"{name} boots to the ready line on slot a", m.group(0))
    except Timeout as e:
        r.check(False, f"{name} boots to the ready line on slot a", str(e))
    finally:
        vm.close()

sums = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=OUT,
                      capture_output=True, text=True)
r.check(sums.returncode == 0, "the images are unchanged after the boots (sha256sum -c SHA256SUMS)",
        sums.stdout + sums.stderr)
