"""The kernel built from kernel-config/ (out/small-kernel): it boots to the
ready line with no modules, and it mounts only a root whose hash is signed by
the image's verity key. Copies of the image whose UKI command line lacks the
signature, or carries one by another key, are refused by dm-verity itself."""
import base64
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, partition  # noqa: E402

r = Report("kernel")
OUT = os.environ.get("BERTH_TEST_OUT", "out")
IMAGE = f"{OUT}/small-kernel"
UKI = "::/EFI/Linux/berth-minimal_0.1.0.efi"
OTHER = "tests/manifests/keys/verity-other"
SIG = re.compile(r" berth\.roothash_sig=\S+")


def good_boot():
    vm = VM(f"{IMAGE}/disk.raw", "small-kernel").start()
    try:
        m = vm.expect(READY)
        r.check(m.group(2) == "a", "the small kernel boots to the ready line", m.group(0))
        r.check(vm.seen(r"berth: modules: 0 loaded, 0 failed"),
                "stage 1 has no modules to load (all built in)")
        vm.wait_shell()
        _, out = vm.sh("uname -r")
        r.check(out.strip().endswith("-berth"), "the kernel is the one built from kernel-config/", out)
        _, out = vm.sh("cat /sys/module/dm_verity/parameters/require_signatures")
        r.check(out.strip() == "Y", "dm-verity requires signed root hashes (built-in command line)", out)
        _, out = vm.sh("cat /proc/keys")
        r.check("berth:roothash" in out, "stage 1 handed the signature over as a key", out)
        _, out = vm.sh("awk '$2 == \"/\" {print $1, $3}' /proc/mounts")
        r.check(re.match(r"/dev/dm-\d+ erofs", out.strip()) is not None, "/ is erofs on dm-verity", out)
    except Timeout as e:
        r.check(False, "the small kernel boots to the ready line", str(e))
    finally:
        vm.close()


def with_cmdline(name, change):
    """Boot a copy of the image whose ESP UKI has the command line CHANGE(line)."""
    tmp = tempfile.mkdtemp(prefix=f"berth-kernel-{name}-")
    disk = os.path.join(tmp, "disk.raw")
    try:
        subprocess.run(["cp", "--sparse=always", f"{IMAGE}/disk.raw", disk], check=True)
        esp = f"{disk}@@{partition(disk, 'esp')[0]}"
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        uki = os.path.join(tmp, "uki.efi")
        subprocess.run(["mcopy", "-n", "-i", esp, UKI, uki], check=True, env=env)
        line = subprocess.run(["objcopy", "-O", "binary", "--only-section=.cmdline", uki, "/dev/stdout"],
                              check=True, capture_output=True, text=True).stdout
        new = change(line)
        if not r.check(new != line, f"{name}: the UKI's command line is changed"):
            return
        # The same length or shorter: the section keeps its place before .initrd.
        with open(os.path.join(tmp, "cmdline"), "w") as f:
            f.write(new)
        subprocess.run(["objcopy", "--update-section", f".cmdline={tmp}/cmdline", uki], check=True)
        subprocess.run(["mcopy", "-o", "-i", esp, uki, UKI], check=True, env=env)
        vm = VM(disk, f"kernel-{name}", reboot=False, backing=False).start()
        try:
            code = vm.wait_exit()
            r.check(vm.seen(r"device-mapper: table: \S+: verity: Root hash verification failed"),
                    f"{name}: dm-verity refuses the root hash")
            r.check(vm.seen(r"berth: stage1: FAILED: could not set up dm-verity"),
                    f"{name}: stage 1 stops on the refusal")
            r.check(not vm.seen(READY.pattern) and not vm.seen(r"berth: stage2"),
                    f"{name}: nothing from the root ran")
            r.check(code == 0, f"{name}: the machine restarts", f"qemu exit {code}")
        except Timeout as e:
            r.check(False, f"{name}: the refused image stops", str(e))
        finally:
            vm.close()
    finally:
        subprocess.run(["rm", "-rf", tmp])


def other_key_sig(line):
    """LINE with its root hash signed by OTHER instead of the image's key."""
    roothash = re.search(r"\broothash=([0-9a-f]{64})\b", line).group(1)
    der = subprocess.run(["openssl", "smime", "-sign", "-binary", "-noattr", "-nocerts", "-md", "sha256",
                          "-outform", "DER", "-inkey", f"{OTHER}.key", "-signer", f"{OTHER}.crt"],
                         input=roothash.encode(), check=True, capture_output=True).stdout
    return SIG.sub(" berth.roothash_sig=" + base64.b64encode(der).decode(), line)


good_boot()
with_cmdline("unsigned", lambda line: SIG.sub("", line))
with_cmdline("other-key", other_key_sig)
