"""Secure Boot end to end, with OVMF's Secure Boot firmware and the test keys
(tests/manifests/secureboot.yaml, keys/test-sb-*):

- the build signed systemd-boot and both UKIs with the db key and put the
  keys' .auth files on the ESP;
- firmware with empty variables (setup mode): systemd-boot enrols PK, KEK
  and db on the first boot and resets; the machine then boots with Secure
  Boot enforced, which berth-init reports from efivarfs;
- berth-update refuses a bundle whose UKIs are not signed (out/test-v2's)
  while Secure Boot is on: firmware would refuse the entry and nothing
  would count the failed tries;
- a copy of the image whose UKI names another root hash (re-packed, so no
  longer signed), booted with the enrolled variables, is refused by the
  firmware: nothing of it runs.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, HttpServer, Report, Timeout, partition  # noqa: E402

OUT = "out/secureboot"
UNSIGNED = "out/test-v2/berth_0.2.0.berth"
KEYS = "tests/manifests/keys/test-sb"
STATE = "SecureBoot=1 SetupMode=0"

r = Report("secureboot")
tmp = tempfile.mkdtemp(prefix="berth-secureboot-")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


def verifies(path):
    """True when PATH carries a valid signature by the db key."""
    return run("sbverify", "--cert", f"{KEYS}-db.crt", path).returncode == 0


def esp_of(disk):
    """The mtools image name of DISK's ESP."""
    return f"{disk}@@{partition(disk, 'esp')[0]}"


def esp_get(disk, src):
    dst = os.path.join(tmp, os.path.basename(src))
    subprocess.run(["mcopy", "-n", "-i", esp_of(disk), f"::{src}", dst], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    with open(dst, "rb") as f:
        return dst, f.read()


def uki_path(disk):
    """The ESP's one Boot Loader Specification entry, /EFI/Linux/NAME.efi."""
    out = subprocess.run(["mdir", "-b", "-i", esp_of(disk), "::/EFI/Linux"], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, MTOOLS_SKIP_CHECK="1")).stdout
    names = [line.strip() for line in out.splitlines() if line.strip().endswith(".efi")]
    if len(names) != 1:
        raise RuntimeError(f"ESP entries: {names}")
    return names[0][2:] if names[0].startswith("::") else names[0]


def check_build(disk):
    """What the build signed and put on the ESP."""
    for slot in ("a", "b", "install"):
        r.check(verifies(f"{OUT}/work/uki-{slot}.efi"), f"uki-{slot}.efi is signed by the db key")
    installer, _ = esp_get(disk, "/EFI/berth/install.efi")
    r.check(verifies(installer), "the ESP's installer UKI is signed by the db key")
    boot, _ = esp_get(disk, "/EFI/BOOT/BOOTX64.EFI")
    r.check(verifies(boot), "systemd-boot on the ESP is signed by the db key")
    uki, data = esp_get(disk, uki_path(disk))
    r.check(verifies(uki), "the ESP's UKI is signed by the db key")
    with open(f"{OUT}/work/uki-a.efi", "rb") as f:
        r.check(data == f.read(), "the ESP's UKI is slot A's")
    _, conf = esp_get(disk, "/loader/loader.conf")
    r.check(b"\nsecure-boot-enroll force\n" in b"\n" + conf, "loader.conf enrols the keys",
            conf.decode(errors="replace"))
    for var in ("PK", "KEK", "db"):
        _, auth = esp_get(disk, f"/loader/keys/auto/{var}.auth")
        with open(f"{KEYS}-{var}.auth", "rb") as f:
            r.check(auth == f.read(), f"/loader/keys/auto/{var}.auth is the key's .auth file")


def enrol_and_boot(disk):
    """First boot in setup mode; returns a copy of the enrolled variables, or None."""
    vm = VM(disk, "secureboot-enrol", secure_boot=True).start()
    try:
        vm.expect(r"Enrolling secure boot keys")
        r.check(True, "systemd-boot enrols the keys in setup mode")
        vm.expect(r"BdsDxe: starting Boot")
        r.check(True, "the machine resets after the enrolment and starts again")
        m = vm.expect(r"berth: secure boot: (SecureBoot=\S+ SetupMode=\S+)\r?\n")
        r.check(m.group(1) == STATE, "berth-init reports Secure Boot enforced", m.group(1))
        vm.expect(READY.pattern)
        r.check(True, "the signed image boots to the ready line")
        vm.wait_shell()
        code, out = vm.sh("cat /run/berth/secure-boot")
        r.check(code == 0 and out.strip() == STATE, "/run/berth/secure-boot says so", out)
        r.check(vm.seen(r"secureboot: Secure boot enabled"), "the kernel sees Secure Boot enabled")
        refuses_unsigned(vm)
        vm.send("poweroff")
        vm.wait_exit()
        enrolled = os.path.join(tmp, "vars.fd")
        shutil.copyfile(vm.vars, enrolled)
        return enrolled
    except Timeout as e:
        r.check(False, "enrolment boot", str(e))
        return None
    finally:
        vm.close()


def refuses_unsigned(vm):
    srv = HttpServer()
    try:
        srv.add("v2.berth", (UNSIGNED, 0, os.path.getsize(UNSIGNED)))
        vm.wait_network()
        code, out = vm.sh(f"berth-update install {srv.url('v2.berth')} 2>&1")
        r.check(code == 1 and "Secure Boot is on and the bundle's UKI is not signed" in out,
                "berth-update refuses a bundle with unsigned UKIs under Secure Boot", out)
        code, out = vm.sh("berth-update status")
        r.check(code == 0 and "berth_0.2.0" not in out, "no entry for it on the ESP", out)
    finally:
        srv.close()


def tampered_copy(disk):
    """A copy of DISK whose UKI pins another root hash: re-packed, so unsigned."""
    copy = os.path.join(tmp, "tampered.raw")
    subprocess.run(["cp", "--sparse=always", disk, copy], check=True)
    entry = uki_path(copy)
    uki, _ = esp_get(copy, entry)
    cmdline = os.path.join(tmp, "cmdline")
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.cmdline", uki, cmdline],
                   check=True)
    with open(cmdline) as f:
        text = f.read()
    roothash = re.search(r"roothash=([0-9a-f]{64})", text).group(1)
    other = "".join("0123456789abcdef"[(int(c, 16) + 1) % 16] for c in roothash)
    with open(cmdline, "w") as f:
        f.write(text.replace(roothash, other))
    tampered = os.path.join(tmp, "tampered.efi")
    subprocess.run(["objcopy", "--update-section", f".cmdline={cmdline}", uki, tampered],
                   check=True)
    # objcopy leaves the signature (the PE certificate table) out.
    r.check("No signature table" in run("sbverify", "--list", tampered).stderr,
            "the re-packed UKI carries no signature")
    subprocess.run(["mcopy", "-o", "-i", esp_of(copy), tampered, f"::{entry}"], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return copy


def refused(disk, enrolled):
    vm = VM(disk, "secureboot-tampered", reboot=False, backing=False, secure_boot=True,
            vars=enrolled).start()
    try:
        # systemd-boot (signed) runs; the firmware will not load the UKI for it.
        m = vm.expect(r"Error loading (\S+): Access Denied")
        r.check(True, "firmware refuses the re-packed UKI", m.group(0))
        # systemd-boot gave up and returned to the firmware, which goes on to
        # its next boot option: the UKI cannot run any more in this boot.
        vm.expect(r"BdsDxe: failed to start Boot\d+ .*: Access Denied")
        r.check(not vm.seen(r"EFI stub|Linux version|berth: "), "nothing of the tampered image ran")
    except Timeout as e:
        r.check(False, "firmware refuses the re-packed UKI", str(e))
    finally:
        vm.close()


try:
    disk = f"{OUT}/disk.raw"
    check_build(disk)
    enrolled = enrol_and_boot(disk)
    if enrolled:
        refused(tampered_copy(disk), enrolled)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
