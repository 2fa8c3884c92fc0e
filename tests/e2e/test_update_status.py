"""berth-update on a booted test image: status and mark-good on the factory image; install
refusals that leave the ESP and slot B byte for byte as they were; a bundle whose payload does
not match its signed hash; then an install into slot B (a bundle made here from the image's own
root, with the UKI's command line moved to slot B's partitions), its boot on trial, mark-good,
and a rollback to slot A.

The image is the test image plus berth-update, an update.conf and a test signing key."""
import ctypes
import ctypes.util
import functools
import hashlib
import http.server
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout  # noqa: E402

r = Report("update")
OUT = "out/update-test"
COMPATIBLE = "berth-test"


# Ed25519 through libsodium (libsodium-dev is a build dependency already).
sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert sodium.sodium_init() >= 0


class Key:
    """An Ed25519 key pair made from SEED, so the image's trusted key is the same every run."""

    def __init__(self, seed):
        self.public = ctypes.create_string_buffer(32)
        self.secret = ctypes.create_string_buffer(64)
        sodium.crypto_sign_seed_keypair(self.public, self.secret, hashlib.sha256(seed).digest())

    def sign(self, message):
        sig = ctypes.create_string_buffer(64)
        sodium.crypto_sign_detached(sig, None, message, ctypes.c_ulonglong(len(message)),
                                    self.secret)
        return sig.raw


TRUSTED = Key(b"berth e2e test key")
STRANGER = Key(b"berth e2e someone else")


def build_image():
    """tests/manifests/test.yaml with berth-update, update.conf and the trusted key added."""
    src = os.path.join(OUT, "src")
    os.makedirs(os.path.join(src, "files"), exist_ok=True)
    shutil.copy("build/berth-update", os.path.join(src, "berth-update"))
    shutil.copy("tests/manifests/files/motd", os.path.join(src, "files", "motd"))
    with open(os.path.join(src, "update.conf"), "w") as f:
        f.write(f"compatible {COMPATIBLE}\nhealth-deadline 300\n")
    with open(os.path.join(src, "test.pub"), "w") as f:
        f.write(TRUSTED.public.raw.hex() + "\n")
    with open("tests/manifests/test.yaml") as f:
        manifest = f.read()
    extra = "".join(f'    - src: {s}\n      dst: {d}\n      mode: "{m}"\n' for s, d, m in [
        ("berth-update", "/usr/sbin/berth-update", "0755"),
        ("update.conf", "/etc/berth/update.conf", "0644"),
        ("test.pub", "/etc/berth/keys/test.pub", "0644")])
    manifest = manifest.replace("  files:\n", "  files:\n" + extra, 1)
    with open(os.path.join(src, "update.yaml"), "w") as f:
        f.write(manifest)
    subprocess.run(["./build/berth", "build", os.path.join(src, "update.yaml"), "--out", OUT],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(OUT, "disk.raw")


def slot_b_uki(disk, work):
    """The image's UKI with its command line and version moved to slot B (same lengths)."""
    with open(os.path.join(work, "uki.efi"), "rb") as f:
        uki = f.read()
    with open(os.path.join(work, "cmdline"), "rb") as f:
        cmdline = f.read()
    table = json.loads(subprocess.run(["sfdisk", "-J", disk], check=True, capture_output=True,
                                      text=True).stdout)["partitiontable"]["partitions"]
    uuid = {p["name"]: p["uuid"].lower().encode() for p in table}
    b = (cmdline.replace(uuid["root-a-verity"], uuid["root-b-verity"])
         .replace(uuid["root-a"], uuid["root-b"]).replace(b"berth.slot=a", b"berth.slot=b"))
    for old, new in [(cmdline, b), (b"VERSION_ID=0.1.0", b"VERSION_ID=0.2.0"),
                     (b"IMAGE_VERSION=0.1.0", b"IMAGE_VERSION=0.2.0")]:
        assert uki.count(old) == 1 and len(old) == len(new), old
        uki = uki.replace(old, new)
    return uki


def bundle(payloads, version="0.2.0", compatible=COMPATIBLE, signers=(TRUSTED,), sizes=None,
           hashes=None, magic=b"BERTHBDL", garble=False):
    """A bundle as lib/bundle.h lays it out; SIZES/HASHES override what the manifest says."""
    names = ["root", "verity", "uki-a", "uki-b"]
    sizes = sizes or [len(p) for p in payloads]
    hashes = hashes or [hashlib.sha256(p).hexdigest() for p in payloads]
    manifest = (f"format 1\nname berth\nversion {version}\ncompatible {compatible}\n"
                f"roothash {'0' * 64}\n" +
                "".join(f"payload {n} {s} {h}\n" for n, s, h in zip(names, sizes, hashes))).encode()
    sigs = b""
    for k in signers:
        sig = bytearray(k.sign(manifest))
        if garble:
            sig[10] ^= 1
        sigs += k.public.raw + bytes(sig)
    header = magic + struct.pack("<IIII", 1, len(manifest), len(signers), 0)
    return header + manifest + sigs + b"".join(payloads)


class Server:
    """Static files from a folder on 127.0.0.1 (the guest's 10.0.2.2)."""

    def __init__(self, folder):
        handler = functools.partial(Quiet, directory=folder)
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, name):
        return f"http://10.0.2.2:{self.port}/{name}"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a refusing berth-update stops wget half way: the reset is expected


def wait_network(vm):
    """The guest fetches from the host: wait for its DHCP lease."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:  # udhcpc's console lines may garble one answer: ask again
            if vm.sh("test -e /run/berth/milestones/network", timeout=10)[0] == 0:
                return True
        except Timeout:
            pass
    return False


def status(vm):
    st, out = vm.sh("berth-update status --json")
    # Console messages may share the output: the JSON is the line that starts with "{".
    lines = [line for line in out.splitlines() if line.startswith("{")]
    try:
        return json.loads(lines[-1]) if st == 0 and lines else None
    except json.JSONDecodeError:
        return None


def disk_sums(vm):
    """SHA-256 of the ESP and slot B's two partitions, as the guest reads them."""
    _, out = vm.sh("sha256sum /dev/vda1 /dev/vda4 /dev/vda5", timeout=300)
    return out.split()


def factory(vm):
    s = status(vm)
    r.check(s is not None, "status --json answers JSON")
    if s:
        r.check(s["booted"] == {"slot": "a", "version": "0.1.0", "entry": "berth_0.1.0.efi"},
                "status: slot a booted, version 0.1.0, entry berth_0.1.0.efi", str(s["booted"]))
        r.check(s["other"] == {"slot": "b", "state": "empty"}, "status: slot b is empty",
                str(s["other"]))
        r.check(len(s["entries"]) == 1 and s["entries"][0]["state"] == "good" and
                s["entries"][0]["slot"] == "a", "status: one good entry, slot a", str(s["entries"]))
    st, out = vm.sh("berth-update status")
    r.check(st == 0 and "other:  slot b, empty" in out, "status in words", out)
    st, out = vm.sh("berth-update mark-good")
    r.check(st == 0 and "already good" in out, "mark-good on the factory entry: already good", out)
    st, out = vm.sh("berth-update rollback")
    r.check(st == 1 and "slot b has no good or pending" in out, "rollback refused: nothing in slot b",
            out)
    for cmd in ["berth-update", "berth-update frobnicate", "berth-update install",
                "berth-update status --yaml", "berth-update install x --force"]:
        st, out = vm.sh(cmd)
        r.check(st == 2 and "usage:" in out, f"usage error: {cmd}", f"{st}: {out}")


def refusals(vm, srv):
    before = disk_sums(vm)
    r.check(len(before) == 6, "the guest hashes the ESP and slot B", str(before))
    cases = [
        ("garbage", "not a berth bundle"),
        ("bad-magic", "not a berth bundle"),
        ("truncated", "ends inside the manifest"),
        ("cut-in-signatures", "ends inside the signatures"),
        ("unsigned", "no valid signature by a trusted key (0 signatures)"),
        ("stranger", "no valid signature by a trusted key (1 signature)"),
        ("garbled", "no valid signature"),
        ("incompatible", 'the bundle is for "other-machine"'),
        ("older", "0.0.9 is not newer than the booted 0.1.0"),
        ("same", "0.1.0 is not newer than the booted 0.1.0"),
        ("too-big", "the root payload (999999999999 bytes) does not fit"),
    ]
    for name, reason in cases:
        st, out = vm.sh(f"berth-update install /tmp/{name}")
        r.check(st == 1 and reason in out, f"refused: {name}", f"{st}: {out}")
    st, out = vm.sh(f"berth-update install {srv.url('incompatible')}")
    r.check(st == 1 and "the bundle is for" in out, "refused over http://", f"{st}: {out}")
    st, out = vm.sh(f"berth-update install {srv.url('no-such-file')}")
    r.check(st == 1 and "download of" in out and "failed" in out,
            "a failed download refuses", f"{st}: {out}")
    st, out = vm.sh("cat /tmp/stranger | berth-update install -")
    r.check(st == 1 and "no valid signature" in out, "refused from standard input", f"{st}: {out}")
    r.check(disk_sums(vm) == before, "refusals leave the ESP and slot B byte for byte unchanged")


def mismatch(vm):
    st, out = vm.sh("berth-update install /tmp/mismatch")
    r.check(st == 1 and "the root payload does not match its signed SHA-256" in out,
            "a payload that does not match its hash is refused", f"{st}: {out}")
    s = status(vm)
    r.check(s is not None and s["other"]["state"] == "empty" and len(s["entries"]) == 1,
            "after a hash mismatch no entry points at slot b", str(s))
    st, out = vm.sh("ls -a /run/berth; berth-update status >/dev/null; "
                    "grep -c /run/berth/esp /proc/mounts")
    r.check(out.strip().endswith("0"), "nothing left mounted", out)


def install_and_boot(vm, srv):
    st, out = vm.sh(f"berth-update install {srv.url('good')}", timeout=600)
    r.check(st == 0 and "installed berth_0.2.0+3.efi" in out, "install over http://", out)
    for line in ["verified signature by key test", "wrote root ", "wrote verity ",
                 "wrote uki-b ", "checked uki-a ", "read back ok"]:
        r.check(line in out, f"install says: {line.strip()}", out)
    s = status(vm)
    r.check(s is not None and s["other"] == {"slot": "b", "file": "berth_0.2.0+3.efi",
                                              "version": "0.2.0", "state": "pending",
                                              "tries_left": 3},
            "status: slot b pending with 3 tries", str(s and s["other"]))

    vm.send("reboot")
    m = vm.expect(READY)
    r.check(m.group(2) == "b", "the next boot is slot b", m.group(0))
    vm.wait_shell()
    wait_network(vm)
    s = status(vm)
    r.check(s is not None and s["booted"]["slot"] == "b" and
            s["booted"]["entry"] == "berth_0.2.0+2-1.efi",
            "status: booted slot b from berth_0.2.0+2-1.efi", str(s and s["booted"]))
    r.check(s is not None and s["other"]["state"] == "good" and s["other"]["slot"] == "a",
            "status: slot a still good", str(s and s["other"]))
    st, out = vm.sh(f"berth-update install --allow-downgrade {srv.url('good')}")
    r.check(st == 1 and "is not marked good yet" in out,
            "no install while the booted entry is on trial", f"{st}: {out}")
    st, out = vm.sh("berth-update mark-good")
    r.check(st == 0 and "marked berth_0.2.0.efi good" in out, "mark-good", out)
    st, out = vm.sh("berth-update mark-good")
    r.check(st == 0 and "already good" in out, "mark-good twice: already good", out)
    s = status(vm)
    r.check(s is not None and s["booted"]["entry"] == "berth_0.2.0.efi",
            "status: the booted entry lost its counter", str(s and s["booted"]))

    vm.send("berth-update rollback")
    m = vm.expect(READY)
    r.check(m.group(2) == "a", "rollback reboots into slot a", m.group(0))
    vm.wait_shell()
    s = status(vm)
    r.check(s is not None and s["other"] == {"slot": "b", "file": "berth_0.2.0+0.efi",
                                              "version": "0.2.0", "state": "bad"},
            "status: slot b's entry is bad", str(s and s["other"]))


def main():
    disk = build_image()
    work = os.path.join(OUT, "work")
    served = os.path.join(OUT, "served")
    shutil.rmtree(served, ignore_errors=True)
    os.makedirs(served)
    payloads = []
    for name in ["root.erofs", "verity.img", "uki.efi"]:
        with open(os.path.join(work, name), "rb") as f:
            payloads.append(f.read())
    payloads.append(slot_b_uki(disk, work))
    good = bundle(payloads)
    sizes = [len(p) for p in payloads]
    files = {
        "good": good,
        "garbage": hashlib.sha256(b"x").digest() * 128,
        "bad-magic": bundle(payloads, magic=b"BERTHBDX")[:4096],
        "truncated": good[:100],
        "cut-in-signatures": good[:24 + struct.unpack("<I", good[12:16])[0] + 50],
        "unsigned": bundle(payloads, signers=())[:4096],
        "stranger": bundle(payloads, signers=(STRANGER,))[:4096],
        "garbled": bundle(payloads, garble=True)[:4096],
        "incompatible": bundle(payloads, compatible="other-machine")[:4096],
        "older": bundle(payloads, version="0.0.9")[:4096],
        "same": bundle(payloads, version="0.1.0")[:4096],
        "too-big": bundle(payloads, sizes=[999999999999] + sizes[1:])[:4096],
        "mismatch": bundle(payloads, hashes=["0" * 64] + [hashlib.sha256(p).hexdigest()
                                                          for p in payloads[1:]]),
    }
    for name, data in files.items():
        with open(os.path.join(served, name), "wb") as f:
            f.write(data)
    srv = Server(served)
    vm = VM(disk, "update").start()
    try:
        m = vm.expect(READY)
        r.check(m.group(1) == "0.1.0" and m.group(2) == "a", "image ready on slot a", m.group(0))
        vm.wait_shell()
        r.check(wait_network(vm), "network up")
        st, out = vm.sh("grep -c efivarfs /proc/filesystems")
        r.check(st == 0, "efivarfs is available (loaded in stage 1)", out)
        st, out = vm.sh("cd /tmp && for f in " + " ".join(files) +
                        f"; do wget -q {srv.url('')}$f || echo failed $f; done; cd /", timeout=300)
        r.check(st == 0 and "failed" not in out, "bundles copied into the guest", out)
        factory(vm)
        refusals(vm, srv)
        mismatch(vm)
        install_and_boot(vm, srv)
    except Timeout as e:
        r.check(False, "update test", str(e))
    finally:
        vm.close()
        srv.httpd.shutdown()
    sys.exit(1 if r.failed else 0)


main()
