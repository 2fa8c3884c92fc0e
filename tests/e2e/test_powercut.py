"""Power cuts during `berth-update install`: QEMU is killed at random points of
an install of the 0.2.0 bundle on a machine running 0.1.0, a delta install (the
server honours Range; the root's unchanged blocks come from slot a); each time the
machine must come up by itself on a good release (0.1.0 on slot a, or 0.2.0
on slot b when the cut came after the new entry was in place), and
installing again must succeed, leaving an ESP that fsck.fat finds clean.
The machine starts from a copy of the image whose ESP holds what a cut
during the UKI's write can leave: berth-update's temporary file with its
directory entry written but not its FAT chain (Linux's vfat turns such a
mount read-only when it meets the chain; berth-update runs fsck.fat first),
and a chain no directory entry reaches (fsck.fat keeps it as FSCK0000.REC,
which berth-update removes).

    python3 tests/e2e/test_powercut.py          # BERTH_POWER_CUTS cuts (default 5)

The cut points are drawn from a seeded generator (BERTH_SEED, else the
clock); the seed is printed so a failing run can be repeated."""
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, HttpServer, Report, Timeout, partition, partition_number  # noqa: E402

r = Report("powercut")
V2 = "out/test-v2/berth_0.2.0.berth"
CUTS = int(os.environ.get("BERTH_POWER_CUTS", "5"))
SEED = int(os.environ.get("BERTH_SEED", str(time.time_ns())))
MARKED = r"berth: health: boot marked good"


def ready_and_healthy(vm):
    """Waits for the ready line and berth-init's mark-good; returns (version, slot)."""
    m = vm.expect(READY)
    vm.expect(MARKED)  # after it nothing but berth-update writes to the ESP
    vm.wait_shell()
    return m.group(1), m.group(2)


def interrupted_writes(disk, copy):
    """COPY: DISK whose ESP holds what cuts during a UKI's write leave: a 2 MB
    /EFI/Linux/.berth-update.tmp whose FAT chain reads as free clusters, and
    a 1 MB chain of clusters that no directory entry reaches, in every FAT."""
    subprocess.run(["cp", "--sparse=always", disk, copy], check=True)
    off, _ = partition(copy, "esp")
    img = f"{copy}@@{off}"
    name = "::/EFI/Linux/.berth-update.tmp"
    data = os.path.join(os.path.dirname(copy), "data")
    with open(data, "wb") as f:
        f.write(os.urandom(2 << 20))
    subprocess.run(["mcopy", "-i", img, data, name], check=True)
    chain = subprocess.run(["mshowfat", "-i", img, name], check=True, capture_output=True,
                           text=True).stdout
    clusters = [(int(a), int(b or a)) for a, b in re.findall(r"<(\d+)(?:-(\d+))?>", chain)]
    with open(copy, "r+b") as f:
        f.seek(off)
        boot = f.read(512)
        sector, reserved, fats = struct.unpack_from("<HxH", boot, 11) + (boot[16],)
        total, fat_sectors = struct.unpack_from("<II", boot, 32)  # FAT32
        count = (total - reserved - fats * fat_sectors) // boot[13]
        lost = range(count + 2 - 2048, count + 2)  # the last clusters, free on a fresh ESP
        for k in range(fats):
            fat = off + (reserved + k * fat_sectors) * sector
            for a, b in clusters:
                f.seek(fat + 4 * a)
                f.write(bytes(4 * (b - a + 1)))
            f.seek(fat + 4 * lost[0])
            f.write(b"".join(struct.pack("<I", c + 1) for c in lost[:-1]) +
                    struct.pack("<I", 0x0FFFFFFF))
    return len(clusters) > 0


def esp_files(vm, esp):
    """The names in the guest's ESP root, mounted read-only for the look, and
    whether there are none of fsck.fat's FSCKnnnn.REC among them."""
    _, out = vm.sh(f"mkdir -p /tmp/esp && mount -t vfat -o ro /dev/vda{esp} /tmp/esp && "
                   f"ls /tmp/esp | cat; umount /tmp/esp")
    names = out.split()
    return names, "EFI" in names and not any(n.upper().startswith("FSCK") for n in names)


def esp_clean(vm, esp):
    """fsck.fat's verdict on the guest's ESP, which nothing has mounted: (clean, output)."""
    st, out = vm.sh(f"fsck.fat -n /dev/vda{esp} 2>&1")
    return st == 0, out


def full_install(vm, url):
    """berth-update install to its end; (exit status, its log, seconds). The
    log goes through a file: on the console, a terminal, it would be progress bars."""
    t0 = time.monotonic()
    st, out = vm.sh(f"berth-update install {url} >/tmp/install.log 2>&1; s=$?; "
                    f"cat /tmp/install.log; (exit $s)", timeout=900)
    return st, out.strip(), time.monotonic() - t0


def dry_run(vm, url):
    """What berth-update install --dry-run says the install would fetch, or None."""
    st, out = vm.sh(f"berth-update install --dry-run {url} 2>&1")
    m = re.search(r"dry run: installing 0\.2\.0 would fetch (\d+) of the bundle's (\d+) bytes",
                  out)
    r.check(st == 0 and m is not None and int(m.group(2)) == os.path.getsize(V2),
            "install --dry-run verifies the bundle and says what the install would fetch", out)
    return int(m.group(1)) if m else None


def delta(log, served, would):
    """The install was a delta: the root's unchanged blocks came from slot a, the server
    sent what berth-update says it fetched, a small part of the bundle, as the dry run
    said."""
    m = re.search(r"fetched (\d+) bytes in (\d+) requests; (\d+) bytes from the booted slot",
                  log)
    size = os.path.getsize(V2)
    r.check(m is not None and int(m.group(3)) > 0 and int(m.group(1)) == served,
            "delta install: the root's unchanged blocks read from slot a; the server sent what "
            "berth-update reports fetching", f"{m and m.group(0)}; server sent {served}")
    r.check(m is not None and int(m.group(1)) == would,
            "delta install: it fetched what the dry run said it would",
            f"{m and m.group(0)}; dry run: {would}")
    r.check("UKI: taking .linux (" in log and "fetching it whole" not in log,
            "delta install: the new UKI's kernel taken from the booted UKI, rightly", log)
    if m:
        print(f"# delta install of 0.2.0: fetched {m.group(1)} of {size} bytes "
              f"({100 * int(m.group(1)) / size:.1f}%) in {m.group(2)} requests, "
              f"{m.group(3)} bytes from slot a", flush=True)


def back_to_v1(vm):
    """From 0.2.0 on slot b (marked good) back to 0.1.0 on slot a, so the next cut hits an install again."""
    vm.send("berth-update rollback")
    return ready_and_healthy(vm)


def main():
    print(f"# seed {SEED}, {CUTS} cuts")
    rng = random.Random(SEED)
    srv = HttpServer()
    srv.add("v2.berth", (V2, 0, os.path.getsize(V2)))
    url = srv.url("v2.berth")
    scratch = tempfile.mkdtemp(prefix="berth-powercut-")
    disk = os.path.join(scratch, "disk.raw")
    broken = interrupted_writes("out/test/disk.raw", disk)
    esp = partition_number(disk, "esp")
    vm = VM(disk, "powercut").start()
    landed = {"0.1.0": 0, "0.2.0": 0}
    try:
        version, slot = ready_and_healthy(vm)
        r.check((version, slot) == ("0.1.0", "a"), "the machine runs 0.1.0 on slot a",
                f"{version} {slot}")
        vm.wait_network()
        would = dry_run(vm, url)
        sent = srv.sent.get("v2.berth", 0)
        st, log, took = full_install(vm, url)
        r.check(st == 0 and "installed berth_0.2.0+3.efi" in log,
                f"a whole install takes {took:.0f} s; the cuts fall within it", log)
        delta(log, srv.sent.get("v2.berth", 0) - sent, would)
        r.check(broken and "repaired the ESP" in log,
                "the install repairs the half-written temporary file a cut left on the ESP", log)
        names, tidy = esp_files(vm, esp)
        r.check("removed FSCK0000.REC" in log and tidy,
                "it removes the lost chain fsck.fat kept as FSCK0000.REC", f"{log}\nESP: {names}")
        clean, out = esp_clean(vm, esp)
        r.check(clean, "fsck.fat finds the ESP clean after the install", out)
        for i in range(1, CUTS + 1):
            delay = rng.uniform(0, took)
            vm.send(f"berth-update install {url}")
            time.sleep(delay)  # the cut point itself, not a wait for anything
            vm.power_cut()
            try:
                version, slot = ready_and_healthy(vm)
            except Timeout as e:
                r.check(False, f"cut {i} at {delay:.1f} s: the machine comes up by itself", str(e))
                return
            good = (version, slot) in (("0.1.0", "a"), ("0.2.0", "b"))
            r.check(good, f"cut {i} at {delay:.1f} s: up on a good release by itself",
                    f"{version} on slot {slot}")
            if not good:
                return
            landed[version] += 1
            st, out = vm.sh("berth-update status")
            r.check(st == 0 and f"booted: slot {slot}, version {version}," in out,
                    f"cut {i}: status answers and names the booted release", out)
            if version == "0.2.0":
                version, slot = back_to_v1(vm)
                if (version, slot) != ("0.1.0", "a"):
                    r.check(False, f"cut {i}: rollback to 0.1.0", f"{version} {slot}")
                    return
            vm.wait_network()
            st, log, _ = full_install(vm, url)
            r.check(st == 0 and "installed berth_0.2.0+3.efi" in log,
                    f"cut {i}: installing again succeeds", log)
            m = re.search(r"fetched (\d+) bytes .*, (\d+) in place in the target slot", log)
            if m:
                print(f"# cut {i}: the install again fetched {m.group(1)} bytes; "
                      f"{m.group(2)} bytes were in place in slot b already", flush=True)
            clean, out = esp_clean(vm, esp)
            names, tidy = esp_files(vm, esp)
            r.check(clean and tidy,
                    f"cut {i}: fsck.fat finds the ESP clean after it, and nothing it kept",
                    f"{out}\nESP: {names}")
        print(f"# cuts that came up on 0.1.0: {landed['0.1.0']}, on 0.2.0: {landed['0.2.0']}")
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "power-cut run", str(e))
    finally:
        srv.close()
        vm.close()
        shutil.rmtree(scratch, ignore_errors=True)


main()
