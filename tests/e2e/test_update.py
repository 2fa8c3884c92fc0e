"""berth-update with the real build outputs: out/test/disk.raw (0.1.0, slot a) boots, refuses
damaged, foreign, unsigned, truncated, older, incompatible, oversized and colliding bundles
(served by the host over HTTP) without touching the ESP or slot b, and one whose UKIs are swapped
without adding an entry; installs the real 0.2.0 bundle (out/test-v2/berth_0.2.0.berth, security
epoch 1) into slot b, refuses to roll back to it before it booted, boots it on trial, has
berth-init mark it good (which raises the security floor to 1), and rolls back to slot a with
`berth-update rollback`; after that reboot the floor is still 1 and an epoch-0 bundle is refused,
--allow-downgrade or not. Last, a delta install whose UKI's .linux is not the booted one's,
though of its size, takes the booted one's, finds the UKI's SHA-256 wrong, fetches it whole and
installs it. One VM; the reboots happen inside it.

The 0.2.0 install is the machine's own, from an update channel (docs/fleet.md) that its user
data (a NoCloud drive) names, checked every 10 s, reboot: manual. The test publishes 0.2.0 with
`berth publish` outside the machine's wave, then halted, then with a bundle that is not the one
the index lists, and sees each left alone; `berth-update check` by hand refuses bad indexes
(unsigned, an unknown key, a lower serial, expired, malformed, too large, a server that hangs
or drops the connection) and changes nothing. After the rollback, 0.2.0 is recorded as failed
here and never taken again.

The builds write format 3 (the verity tree before the root): a bit flipped in the middle of the
root is refused at its block, and slot b is unchanged from the megabyte that holds it on. Those
refusals come from a server that ignores Range, so berth-update streams the whole bundle; from
one that honours it, a delta install takes 0.1.0's blocks from slot a, and a bit flipped in a
block it must fetch is refused at that block. The
channel's 0.2.0 is the build's bundle rewritten in format 2, and the epoch-0 bundle is in format
1: berth-update still reads both.

Bundles that are not the build's own are made here from the real ones: a bit flipped, parts cut,
or the real manifest changed and signed again (Ed25519 through libsodium, with the published test
keys in tests/manifests/keys/)."""
import ctypes
import ctypes.util
import hashlib
import math
import os
import re
import shutil
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from channel import Channel, last_check, user_data_drive  # noqa: E402
from vm import (READY, VM, HttpServer, Report, Timeout, partition_number,  # noqa: E402
                verity_leaves)

r = Report("update")
OUT = os.environ.get("BERTH_TEST_OUT", "out")
DISK = f"{OUT}/test/disk.raw"
V1 = f"{OUT}/test/berth_0.1.0.berth"
V2 = f"{OUT}/test-v2/berth_0.2.0.berth"
KEYS = "tests/manifests/keys"
HEADER = 24
SIG = 96
ESP = 1  # its partition number, from the disk's GPT in main()
# berth-update's security floor (lib/efivar.h): 4 bytes of attributes, then a u32 LE epoch.
FLOOR_VAR = "/sys/firmware/efi/efivars/BerthEpochFloor-0d5b12a0-bae3-47f9-be42-65ee3b85f4c9"
NV_BS_RT = 7  # non-volatile, boot-service and run-time access

sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert sodium.sodium_init() >= 0


def secret_key(name):
    """A secret key file as `berth keygen` writes it: libsodium's 64 bytes in hex."""
    with open(os.path.join(KEYS, name)) as f:
        key = bytes.fromhex(f.read().strip())
    assert len(key) == 64, name
    return key


def sign(manifest, key):
    """A signature block entry: the public key (the secret key's second half) and the
    detached Ed25519 signature of MANIFEST."""
    sig = ctypes.create_string_buffer(64)
    sodium.crypto_sign_detached(sig, None, manifest, ctypes.c_ulonglong(len(manifest)), key)
    return key[32:] + sig.raw


class Bundle:
    """A bundle file as lib/bundle.h lays it out, read from PATH."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(HEADER)
            assert head[:8] == b"BERTHBDL", path
            _, mlen, nsig, _ = struct.unpack("<IIII", head[8:])
            self.manifest = f.read(mlen)
            self.sigs = f.read(nsig * SIG)
        self.payloads = HEADER + mlen + nsig * SIG  # offset of the first payload
        # name -> (offset, size), in the order the file holds them
        self.parts, at = {}, self.payloads
        for line in self.manifest.decode().splitlines():
            if line.startswith("payload "):
                _, name, size, _ = line.split()
                self.parts[name] = (at, int(size))
                at += int(size)
        assert at == self.size, path

    def offset(self, name):
        return self.parts[name][0]

    def leaves(self):
        """The root's blocks' digests, from the verity tree's leaf level."""
        return verity_leaves(self.read(self.offset("verity"), self.size_of("verity")))

    def size_of(self, name):
        return self.parts[name][1]

    def header(self, manifest=None, nsig=None):
        """The header of MANIFEST, whose first line ("format N") gives the format."""
        manifest = self.manifest if manifest is None else manifest
        nsig = len(self.sigs) // SIG if nsig is None else nsig
        fmt = int(manifest.split(b"\n", 1)[0].split(b" ")[1])
        return b"BERTHBDL" + struct.pack("<IIII", fmt, len(manifest), nsig, 0)

    def head(self):
        return self.header() + self.manifest + self.sigs

    def rest(self, start=None, end=None):
        """The file from START (default: the first payload) to END as an HttpServer part."""
        start = self.payloads if start is None else start
        end = self.size if end is None else end
        return (self.path, start, end - start)

    def read(self, offset, n):
        with open(self.path, "rb") as f:
            f.seek(offset)
            return f.read(n)

    def line_of(self, key):
        """The number of the manifest's line that starts with KEY ("payload uki-b")."""
        lines = self.manifest.decode().splitlines()
        (i,) = [n for n, line in enumerate(lines) if line.startswith(key + " ")]
        return i + 1

    def signed(self, key, lines):
        """Header, manifest LINES signed with KEY."""
        manifest = "".join(line + "\n" for line in lines).encode()
        return self.header(manifest, 1) + manifest + sign(manifest, key)

    def resigned(self, key, **fields):
        """Header, manifest with FIELDS replaced ("version", "compatible", "payload root"...),
        signed with KEY, and the real payloads."""
        lines = self.manifest.decode().splitlines()
        for k, v in fields.items():
            k = k.replace("_", " ")
            lines[self.line_of(k) - 1] = f"{k} {v}"
        return [self.signed(key, lines), self.rest()]

    def swapped_ukis(self, key):
        """A validly signed bundle whose uki-a is the real uki-b and the other way round: the
        manifest's two UKI lines trade sizes and hashes, the payloads trade places."""
        lines = self.manifest.decode().splitlines()
        a, b = self.line_of("payload uki-a") - 1, self.line_of("payload uki-b") - 1
        lines[a], lines[b] = (lines[b].replace("uki-b", "uki-a", 1),
                              lines[a].replace("uki-a", "uki-b", 1))
        at_a, uki_a = self.parts["uki-a"]
        at_b, uki_b = self.parts["uki-b"]
        return [self.signed(key, lines), self.rest(self.payloads, at_a),
                self.rest(at_b, at_b + uki_b), self.rest(at_a, at_a + uki_a)]

    def in_format(self, key, fmt, **fields):
        """This format 3 bundle in format FMT (1 or 2: no salt line, the root before the
        verity tree), FIELDS replaced as resigned does, signed with KEY."""
        lines = [line for line in self.manifest.decode().splitlines()
                 if not line.startswith("salt ") and (fmt == 2 or not line.startswith("epoch "))]
        for k, v in dict(format=fmt, **fields).items():
            (i,) = [n for n, line in enumerate(lines) if line.startswith(k + " ")]
            lines[i] = f"{k} {v}"
        order = ["root", "verity", "uki-a", "uki-b"]
        at = lines.index(next(line for line in lines if line.startswith("payload ")))
        by_name = {line.split()[1]: line for line in lines[at:]}
        lines[at:] = [by_name[n] for n in order]
        return [self.signed(key, lines)] + [
            self.rest(self.offset(n), self.offset(n) + self.size_of(n)) for n in order]


def flipped(data, offset, bit=0x01):
    data = bytearray(data)
    data[offset] ^= bit
    return bytes(data)


def serve_bundles(srv, v1, v2):
    """Every bundle the test offers, by name; returns (name, reason, description) of the
    ones refused before anything is written."""
    test, other = secret_key("test.key"), secret_key("other.key")
    root = v2.size_of("root")
    srv.add("v2", v2.rest(0))
    srv.add("v1", v1.rest(0))
    # A bit in the manifest's version line ("version 0.2.0" -> "version 0.2.1"), in the
    # signature proper (after the 32 bytes of public key), in the middle of the root payload.
    at = v2.manifest.index(b"version ") + len("version 0.2.")
    srv.add("flip-manifest", v2.header() + flipped(v2.manifest, at) + v2.sigs, v2.rest())
    srv.add("flip-signature", v2.header() + v2.manifest + flipped(v2.sigs, 32 + 20), v2.rest())
    mid = v2.offset("root") + root // 2
    srv.add("flip-payload", v2.rest(0, mid), flipped(v2.read(mid, 1), 0),
            v2.rest(mid + 1))
    srv.add("unknown-key", *v2.resigned(other))
    srv.add("unsigned", v2.header(nsig=0) + v2.manifest, v2.rest())
    srv.add("sig-missing", v2.header(nsig=1) + v2.manifest)
    srv.add("sig-zero", v2.header(nsig=1) + v2.manifest + bytes(SIG), v2.rest())
    srv.add("truncated", v2.rest(0, mid))
    srv.add("older", *v2.resigned(test, version="0.0.9"))
    srv.add("incompatible", *v2.resigned(test, compatible="other-machine"))
    srv.add("too-big", *v2.resigned(test, payload_root=f"999999999999 {'0' * 64}"))
    # Rounded up to the ESP's clusters, 2^64 - 616 bytes would wrap to a few.
    srv.add("uki-wraps", *v2.resigned(test, **{"payload uki-b": f"18446744073709551000 {'0' * 64}"}))
    srv.add("swapped-ukis", *v2.swapped_ukis(test))
    # The real 0.1.0 as 0.1.1 in format 1: of security epoch 0, newer than 0.1.0.
    srv.add("epoch-0", *v1.in_format(test, 1, version="0.1.1"))
    srv.add("garbage", b"\x7fELF" + bytes(4092))
    sig = "refused: no valid signature by a trusted key"
    return [
        ("flip-manifest", f"{sig} (1 signature)", "a bit flipped in the manifest"),
        ("flip-signature", f"{sig} (1 signature)", "a bit flipped in the signature"),
        ("unknown-key", f"{sig} (1 signature)", "signed by an untrusted key (other.key)"),
        ("unsigned", f"{sig} (0 signatures)", "unsigned (0 signatures)"),
        ("sig-missing", "refused: the bundle ends inside the signatures",
         "1 signature claimed, the file ends after the manifest"),
        ("sig-zero", f"{sig} (1 signature)", "a signature block of 96 zero bytes"),
        ("v1", "refused: 0.1.0 is not newer than the booted 0.1.0",
         "the real 0.1.0 bundle on 0.1.0"),
        ("older", "refused: 0.0.9 is not newer than the booted 0.1.0",
         "a downgrade to 0.0.9 (signed)"),
        ("incompatible", 'refused: the bundle is for "other-machine", this machine takes '
         '"berth-x86_64"', "another compatible (signed)"),
        ("too-big", "refused: the root payload (999999999999 bytes) does not fit",
         "a root payload bigger than the slot (signed)"),
        ("uki-wraps", f"refused: bad manifest: line {v2.line_of('payload uki-b')}: bad size: a "
         "UKI is at most 1073741824 bytes", "a UKI of 2^64 - 616 bytes (signed)"),
        ("v1", "refused: berth_0.1.0.efi (slot a) on the ESP is the same release as "
         "berth_0.1.0", "the booted release again, with --allow-downgrade",
         "--allow-downgrade"),
        ("garbage", "refused: not a berth bundle", "not a bundle"),
        ("no-such-bundle", f"download of {srv.url('no-such-bundle')} failed",
         "a failed download (HTTP 404)"),
    ]


def refused(vm, source, reason, what, stdin=None, args=""):
    """berth-update install SOURCE [ARGS] (or `STDIN | berth-update install -`) exits 1 with
    REASON on stderr (stdout is dropped)."""
    cmd = f"{stdin} | berth-update install -" if stdin else f"berth-update install {source}"
    cmd += f" {args}" if args else ""
    st, err = vm.sh(f"{cmd} 2>&1 >/dev/null", timeout=300)
    r.check(st == 1 and reason in err,
            f"refused, exit status 1, reason on stderr: {what}", f"{st}: {err.strip()}")


def health(vm, since, counted, what):
    """berth-init's health gate on the boot after console position SINCE: a counted boot
    try or not, as COUNTED says, then marked good."""
    m = vm.wait_for(r"berth: health: (a counted boot try|not a counted try)[^\n]*\n", since)
    want = "a counted boot try" if counted else "not a counted try"
    r.check(m.group(1) == want, f"berth-init on {what}: {want}", m.group(0))
    try:
        vm.wait_for(r"berth: health: boot marked good", m.end())
        good, detail = True, ""
    except Timeout as e:
        good, detail = False, str(e)
    r.check(good, f"berth-init on {what}: boot marked good", detail)


def esp_files(vm):
    """The files in the ESP's /EFI/Linux, as the guest sees them (mounted read-only)."""
    st, out = vm.sh(f"mkdir -p /tmp/esp && mount -t vfat -o ro /dev/vda{ESP} /tmp/esp && "
                    "ls -a /tmp/esp/EFI/Linux; s=$?; umount /tmp/esp; (exit $s)")
    return sorted(f for f in out.split() if f not in (".", "..")) if st == 0 else None


def slot_untouched(vm, what):
    """After a refusal that came while streaming: no entry for slot b, nothing left over."""
    s = vm.status()
    r.check(s is not None and s["other"] == {"slot": "b", "state": "empty"} and
            [e["file"] for e in s["entries"]] == ["berth_0.1.0.efi"],
            f"{what}: no entry points at slot b, status does not show it installed", str(s))
    files = esp_files(vm)
    r.check(files == ["berth_0.1.0.efi"], f"{what}: the ESP holds only berth_0.1.0.efi "
            "(no temporary file left)", str(files))
    st, out = vm.sh("grep -c /run/berth/esp /proc/mounts")
    r.check(out.strip() == "0", f"{what}: nothing left mounted", out)


def security_floor(vm):
    """berth-update's security floor as the guest's efivarfs has it: (attributes, epoch), or
    None when it is not set."""
    st, out = vm.sh(f"xxd -p {FLOOR_VAR} 2>/dev/null")
    if st != 0:
        return None
    var = bytes.fromhex("".join(out.split()))
    return struct.unpack("<II", var) if len(var) == 8 else var


def disk_sums(vm, parts):
    """SHA-256 of the guest's /dev/vdaN for each N in PARTS."""
    st, out = vm.sh("sha256sum " + " ".join(f"/dev/vda{n}" for n in parts), timeout=600)
    return out.split() if st == 0 else None


def factory(vm):
    s = vm.status()
    r.check(s is not None, "status --json answers JSON")
    if s:
        r.check(s["booted"] == {"slot": "a", "version": "0.1.0", "entry": "berth_0.1.0.efi"},
                "status: slot a booted, version 0.1.0, entry berth_0.1.0.efi", str(s["booted"]))
        r.check(s["other"] == {"slot": "b", "state": "empty"}, "status: slot b is empty",
                str(s["other"]))
        r.check([(e["file"], e["slot"], e["state"]) for e in s["entries"]] ==
                [("berth_0.1.0.efi", "a", "good")], "status: one good entry, slot a",
                str(s["entries"]))
    st, out = vm.sh("berth-update status")
    r.check(st == 0 and "booted: slot a, version 0.1.0, entry berth_0.1.0.efi" in out and
            "other:  slot b, empty" in out, "status in words", out)
    st, out = vm.sh("berth-update mark-good")
    r.check(st == 0 and "already good" in out, "mark-good on the factory entry: already good", out)
    floor = security_floor(vm)
    r.check(floor is None, "a fresh machine has no security floor", str(floor))
    st, out = vm.sh("berth-update rollback 2>&1 >/dev/null")
    r.check(st == 1 and "slot b has no good boot entry to roll back to" in out,
            "rollback refused: nothing in slot b", f"{st}: {out}")
    for cmd in ["berth-update", "berth-update frobnicate", "berth-update install",
                "berth-update status --yaml", "berth-update install x --force",
                "berth-update install --dry-run", "berth-update install a b"]:
        st, out = vm.sh(f"{cmd} 2>&1")
        r.check(st == 2 and "usage:" in out, f"usage error: {cmd}", f"{st}: {out}")


def refusals(vm, srv, cases, parts):
    before = disk_sums(vm, parts)
    r.check(before is not None and len(before) == 6, "the guest hashes the ESP and slot b",
            str(before))
    for name, reason, what, *args in cases:
        refused(vm, srv.url(name), reason, what, args=" ".join(args))
    refused(vm, None, "refused: no valid signature by a trusted key (1 signature)",
            "unknown-key from standard input (wget -O - | berth-update install -)",
            stdin=f"wget -q -O - {srv.url('unknown-key')}")
    r.check(disk_sums(vm, parts) == before,
            "the refusals leave the ESP, root-b and root-b-verity byte for byte unchanged")
    s = vm.status()
    r.check(s is not None and s["other"] == {"slot": "b", "state": "empty"},
            "status: slot b still empty", str(s))


def flip_fetched(srv, v1, v2):
    """0.2.0 with a bit flipped in the middle of the first root block that 0.1.0's root
    lacks, which a delta install into an empty slot b fetches, served with Range; returns
    that block."""
    have = set(v1.leaves())
    block = next(i for i, leaf in enumerate(v2.leaves()) if leaf not in have)
    at = v2.offset("root") + block * 4096 + 2048
    srv.add("flip-fetched", v2.rest(0, at), flipped(v2.read(at, 1), 0), v2.rest(at + 1))
    return block


def pe_section(data, name):
    """(offset, size) of section NAME of the PE file DATA, as updater/pe.c finds it."""
    pe = struct.unpack_from("<I", data, 0x3c)[0]
    (count,) = struct.unpack_from("<H", data, pe + 6)
    (opt,) = struct.unpack_from("<H", data, pe + 20)
    for i in range(count):
        s = pe + 24 + opt + 40 * i
        if data[s:s + 8].rstrip(b"\0") == name:
            vsize, _, raw, ptr = struct.unpack_from("<IIII", data, s + 8)
            return ptr, vsize if vsize and vsize < raw else raw
    return None, None


def uki_guessed_wrong(srv, v1, v2):
    """0.2.0 whose uki-b has one byte of its kernel changed (its manifest signed again): the
    booted UKI's .linux, of the same size, is a wrong guess. Whether the sizes match."""
    uki = bytearray(v2.read(v2.offset("uki-b"), v2.size_of("uki-b")))
    at, size = pe_section(uki, b".linux")
    same = pe_section(v1.read(v1.offset("uki-a"), v1.size_of("uki-a")), b".linux")[1] == size
    uki[at + size // 2] ^= 0x01
    front, _ = v2.resigned(secret_key("test.key"), **{
        "payload uki-b": f"{len(uki)} {hashlib.sha256(uki).hexdigest()}"})
    srv.add("uki-guess", front, v2.rest(v2.payloads, v2.offset("uki-b")), bytes(uki))
    return same


def uki_guess(vm, srv, same):
    """The wrong guess is caught by the UKI's SHA-256; the UKI is fetched again and installs."""
    r.check(same, "0.1.0's UKI and 0.2.0's have .linux sections of one size: the guess is made")
    st, out = vm.sh(f"berth-update install {srv.url('uki-guess')} 2>&1", timeout=300)
    r.check(st == 0 and "UKI: taking .linux (" in out and
            "UKI: the booted UKI's sections are not the new one's: fetching it whole" in out and
            "installed berth_0.2.0+3.efi" in out,
            "delta install: a wrong guess at the UKI's .linux fails the UKI's SHA-256; fetched "
            "again, whole, it installs", f"{st}: {out.strip()}")


def delta_refusal(vm, srv, block, esp):
    """A delta install checks a fetched block like a streamed one: refused at that block."""
    before = disk_sums(vm, [esp])
    st, out = vm.sh(f"berth-update install {srv.url('flip-fetched')} 2>&1", timeout=300)
    r.check(st == 1 and "bytes from the booted slot" in out and
            f"refused: root block {block} (byte {block * 4096}) does not match its hash" in out,
            f"delta install: a bit flipped in root block {block}, which it fetches, is refused "
            "at that block", f"{st}: {out.strip()}")
    slot_untouched(vm, "flipped fetched block")
    r.check(before is not None and disk_sums(vm, [esp]) == before,
            "the flipped fetched block leaves the ESP byte for byte unchanged")


def tail_sum(vm, part, start):
    """SHA-256 of the guest's /dev/vdaPART from byte START (a whole MiB) to its end."""
    st, out = vm.sh(f"dd if=/dev/vda{part} bs=1M skip={start >> 20} 2>/dev/null | sha256sum",
                    timeout=600)
    return out.split()[0] if st == 0 and out.split() else None


def streaming_refusals(vm, srv, v2, parts):
    """Found only while streaming: slot b is half written by then (the bundle is read
    once), but the ESP, with no entry for slot b to remove, stays byte for byte as it was.
    A flipped bit in the root is refused at its block, before that block is written."""
    esp, root_b = parts[0], parts[1]
    before = disk_sums(vm, [esp])
    block = v2.size_of("root") // 2 // 4096
    chunk = block * 4096 >> 20 << 20  # berth-update checks and writes 1 MiB at a time
    tail = tail_sum(vm, root_b, chunk)
    refused(vm, srv.url("flip-payload"), f"refused: root block {block} (byte {block * 4096}) "
            "does not match its hash in the verity tree; nothing from byte "
            f"{chunk} on was written", "a bit flipped in the middle of the root, at its block")
    r.check(tail is not None and tail_sum(vm, root_b, chunk) == tail,
            f"after the flipped bit root-b is as it was from byte {chunk} to its end", str(tail))
    slot_untouched(vm, "flipped payload")
    refused(vm, srv.url("truncated"), "refused: the bundle ends inside the root",
            "truncated in the middle of the root payload")
    slot_untouched(vm, "truncated bundle")
    # Signed as it is: only the UKI's command line (berth.slot=a) tells, after streaming.
    refused(vm, srv.url("swapped-ukis"), "refused: the bundle's UKI for slot b does not boot its "
            "root: its command line boots slot a, not b", "the two UKIs swapped (signed)")
    slot_untouched(vm, "swapped UKIs")
    r.check(before is not None and disk_sums(vm, [esp]) == before,
            "the flipped payload, the truncated bundle and the swapped UKIs leave the ESP byte "
            "for byte unchanged")


def update(vm, chan, since, v2_epoch):
    """The machine installs 0.2.0 by itself; the console shows berth-update check's output
    (from console position SINCE)."""
    # status during the install reads the ESP, which the install mounts writable (two mounts
    # of one FAT, one read-only, fail): each waits for the other, and both succeed. Whether
    # the entry exists yet depends on how far the install got.
    vm.wait_for(r"berth-update\| wrote root ", since, 600)
    s = vm.status()
    r.check(s is not None and s["other"]["slot"] == "b" and
            s["other"]["state"] in ("empty", "pending"),
            "status answers while the machine's own install writes slot b",
            str(s and s["other"]))
    m = vm.wait_for(r"berth-update\| 0\.2\.0 starts at the next reboot \(reboot: manual\)",
                    since, 600)
    # Anywhere in a line: the shell's prompt may come first on the shared console.
    out = "\n".join(re.findall(r"berth-update\| ([^\n]*)", vm.buf[since:m.end()]))
    r.check("installed berth_0.2.0+3.efi" in out,
            "the machine installs 0.2.0 from its channel by itself: installed berth_0.2.0+3.efi",
            out[-600:])
    for line in ["verified signature by key test", "wrote root ", "wrote verity ",
                 "wrote uki-b ", "skipped uki-a ", "read back ok"]:
        r.check(line in out, f"install says: {line.strip()}", out[-600:])
    text = last_check(vm, r"installed 0\.2\.0")
    r.check(text is not None, "status: the last check installed 0.2.0", str(text))
    s = vm.status()
    r.check(s is not None and s["other"] == {"slot": "b", "file": "berth_0.2.0+3.efi",
                                              "version": "0.2.0", "state": "pending",
                                              "tries_left": 3},
            "status: slot b pending with 3 tries", str(s and s["other"]))
    # Rolling back to a release that never booted: should it fail its tries, no good entry
    # would be left to fall back to.
    st, out = vm.sh("berth-update rollback 2>&1 >/dev/null")
    r.check(st == 1 and "slot b's entry berth_0.2.0+3.efi has never booted good" in out,
            "rollback to the pending 0.2.0 refused: it has never booted good", f"{st}: {out}")
    s = vm.status()
    r.check(s is not None and s["booted"]["entry"] == "berth_0.1.0.efi" and
            [(e["file"], e["state"]) for e in s["entries"]] ==
            [("berth_0.2.0+3.efi", "pending"), ("berth_0.1.0.efi", "good")],
            "after the refused rollback 0.1.0's entry is still good, 0.2.0 still pending",
            str(s))

    since = vm.mark()
    vm.send("reboot")
    m = vm.expect(READY)
    r.check(m.group(1) == "0.2.0" and m.group(2) == "b", "the next boot is 0.2.0 on slot b",
            m.group(0))
    health(vm, since, True, "the 0.2.0 boot")
    vm.wait_shell()
    s = vm.status()
    r.check(s is not None and s["booted"] == {"slot": "b", "version": "0.2.0",
                                              "entry": "berth_0.2.0.efi"},
            "status: slot b booted, 0.2.0, its entry marked good (berth_0.2.0.efi)",
            str(s and s["booted"]))
    r.check(s is not None and s["other"] == {"slot": "a", "file": "berth_0.1.0.efi",
                                              "version": "0.1.0", "state": "good"},
            "status: slot a 0.1.0 still good (the fallback)", str(s and s["other"]))
    files = esp_files(vm)
    r.check(files == ["berth_0.1.0.efi", "berth_0.2.0.efi"],
            "the ESP's entries: berth_0.1.0.efi and berth_0.2.0.efi", str(files))
    st, out = vm.sh("berth-update mark-good")
    r.check(st == 0 and "already good" in out, "mark-good after berth-init's: already good", out)
    r.check(v2_epoch == 1 and security_floor(vm) == (NV_BS_RT, 1),
            "marking 0.2.0 (security epoch 1) good raised the security floor to 1, in a "
            "non-volatile EFI variable", str(security_floor(vm)))


def rollback(vm):
    since = vm.mark()
    vm.send("berth-update rollback")
    m = vm.wait_for(r"marked (\S+) bad; rebooting into slot (\S+) \((\S+)\)", since, 120)
    r.check(m.groups() == ("berth_0.2.0+0.efi", "a", "berth_0.1.0.efi"),
            "rollback renames slot b's entry to berth_0.2.0+0.efi (bad) and reboots into slot a",
            m.group(0))
    m = vm.expect(READY)
    r.check(m.group(1) == "0.1.0" and m.group(2) == "a", "rollback: ready version=0.1.0 slot=a",
            m.group(0))
    health(vm, since, False, "the boot after the rollback")
    vm.wait_shell()
    s = vm.status()
    r.check(s is not None and s["booted"] == {"slot": "a", "version": "0.1.0",
                                              "entry": "berth_0.1.0.efi"},
            "status after rollback: slot a booted, 0.1.0", str(s and s["booted"]))
    r.check(s is not None and s["other"] == {"slot": "b", "file": "berth_0.2.0+0.efi",
                                              "version": "0.2.0", "state": "bad"},
            "status after rollback: slot b's entry is bad", str(s and s["other"]))


def floor_holds(vm, srv):
    """After the rollback's reboot, the floor 0.2.0 raised is still there, and it keeps out a
    bundle of a lower security epoch, newer version or not, --allow-downgrade or not."""
    floor = security_floor(vm)
    r.check(floor == (NV_BS_RT, 1), "the security floor survived the reboot: epoch 1",
            str(floor))
    # The bundles come over HTTP: the reboot's DHCP lease first.
    r.check(vm.wait_network(), "network up after the rollback's reboot")
    before = slots(vm)
    for args in ("", " --allow-downgrade"):
        refused(vm, srv.url("epoch-0"), "refused: 0.1.1 is of security epoch 0, below this "
                "machine's floor 1", f"0.1.1 of security epoch 0 on floor 1{args}",
                args=args.strip())
    r.check(before is not None and slots(vm) == before,
            "the epoch-0 refusals change nothing berth-update status shows of the slots",
            str(before))


def slots(vm):
    """berth-update status without the channel's part (its last check changes on its own)."""
    s = vm.status()
    return s and {k: v for k, v in s.items() if k != "channel"}


def index_body(doc):
    """An index's text without its signature lines."""
    return doc[:doc.index(b"\nsignature ") + 1]


def signed_index(body, key):
    """BODY with one signature line by KEY, as lib/channel.h has it."""
    rec = sign(body, key)
    return body + b"signature %s %s\n" % (rec[:32].hex().encode(), rec[32:].hex().encode())


def check_refused(vm, chan, answer, reason, what):
    """The channel answers ANSWER for its index; berth-update check by hand exits 1 with
    REASON and leaves the kept index and the slots as they were."""
    kept = vm.sh("sha256sum /var/lib/berth/channel/index")[1].split()[:1]
    before = vm.status()
    chan.answer = answer
    st, err = vm.sh("berth-update check 2>&1 >/dev/null", timeout=120)
    chan.answer = None
    r.check(st == 1 and reason in err, f"channel: refused, exit status 1, reason said: {what}",
            f"{st}: {err.strip()}")
    after = vm.status()
    r.check(kept and vm.sh("sha256sum /var/lib/berth/channel/index")[1].split()[:1] == kept
            and before and after and before["other"] == after["other"] == {"slot": "b",
                                                                           "state": "empty"},
            f"channel: {what}: the kept index unchanged, slot b still empty",
            str(after and after["other"]))


def published(chan, *args):
    res = chan.publish(*args)
    r.check(res.returncode == 0, f"berth publish {' '.join(args[:1])} succeeds",
            res.stderr.strip())
    return Channel.serial(chan.index())


def outside_wave(vm, chan, bundle):
    """0.2.0 published for a share of the fleet below this machine's place: not taken."""
    s = vm.status()
    c = s and s.get("channel")
    r.check(c is not None and c["url"] == chan.url and c["check_interval"] == 10 and
            c["reboot"] == "manual", "status: the channel, interval and reboot policy the "
            "user data set", str(c))
    place = float(c["place"]) if c and c["place"] else 0.0
    share = max(0.0, math.floor(place * 100) / 100 - 0.01)
    spelled = f"{share:.2f}".rstrip("0").rstrip(".")  # the index's spelling: no trailing zero
    serial = published(chan, "add", bundle, "--waves", f"0:{spelled},30d:100")
    text = last_check(vm, rf"serial {serial}: waiting: 0\.2\.0: not this machine's wave yet")
    r.check(text is not None, f"a machine at {place}% of the fleet does not take 0.2.0 while "
            f"its first wave is {share:.2f}%", str(text))
    s = vm.status()
    r.check(s is not None and s["other"] == {"slot": "b", "state": "empty"},
            "outside the wave: slot b still empty", str(s and s["other"]))


def index_refusals(vm, chan, key_other):
    """berth-update check by hand against indexes it must refuse."""
    first = chan.index()
    serial = published(chan, "renew")
    r.check(last_check(vm, rf"serial {serial}: ") is not None,
            f"the machine takes the renewed index (serial {serial})")
    body = index_body(chan.index())
    test = secret_key("test.key")
    expired = re.sub(rb"^expires .*$", b"expires 2020-01-01T00:00:00Z", body, flags=re.M)
    cases = [
        (body, "refused: the channel's index is unsigned", "unsigned (no signature line)"),
        (signed_index(body, key_other),
         "refused: the channel's index is not signed by a key this image trusts",
         "signed by an untrusted key (other.key)"),
        (first, f"lower than {serial} seen here", "a lower serial than one already seen"),
        (signed_index(expired, test), "refused: the channel's index expired at "
         "2020-01-01T00:00:00Z", "expired (signed)"),
        (signed_index(body + b"frobnicate yes\n", test), "refused: the channel's index is "
         "malformed: line", "malformed (signed)"),
        (b"x" * 70000, "is larger than 65536 bytes", "70,000 bytes"),
        ("drop", "the answer is cut short or is not HTTP", "the connection dropped half way"),
        ("hang", "gave no whole answer within 15 s", "a server that hangs"),
    ]
    for answer, reason, what in cases:
        check_refused(vm, chan, answer, reason, what)


def halted(vm, chan):
    published(chan, "halt", "0.2.0")
    serial = published(chan, "schedule", "0.2.0", "0:100")
    text = last_check(vm, rf"serial {serial}: waiting: 0\.2\.0: halted")
    r.check(text is not None, "halted 0.2.0, though its wave has the whole fleet: not taken",
            str(text))


def not_as_listed(vm, chan, listed, other):
    """The folder's bundle swapped for one of the same size and release that is not the one
    the index lists (its manifest differs): refused before anything is written, no entry
    added."""
    path = os.path.join(chan.folder, os.path.basename(listed))
    put(other, path)
    serial = published(chan, "resume", "0.2.0")
    since = vm.mark()
    # The whole line: wait_for may see the console's bytes before their line ends.
    m = vm.wait_for(r"berth-update\| berth-update: refused: [^\n]*\n", since, 600)
    r.check("the bundle's manifest is not the one the channel's index lists" in m.group(0),
            f"serial {serial}: a bundle whose manifest's SHA-256 differs from the index's is "
            "refused", m.group(0))
    put(listed, path)
    s = vm.status()
    r.check(s is not None and s["other"] == {"slot": "b", "state": "empty"},
            "after that refusal no entry points at slot b", str(s and s["other"]))
    return m.end()


def put(src, path):
    """SRC's copy at PATH in one rename: a download under way keeps the file it opened."""
    shutil.copyfile(src, path + ".tmp")
    os.replace(path + ".tmp", path)


def two_signed(v2, key_other, folder):
    """0.2.0 signed by the test key and by KEY_OTHER, and beside it a bundle of the same
    size and release, as well signed and installable, whose manifest says epoch 2: not the
    one the index lists."""
    test = secret_key("test.key")
    lines = v2.manifest.decode().splitlines()
    lines[v2.line_of("epoch") - 1] = "epoch 2"
    other = "".join(line + "\n" for line in lines).encode()
    paths = []
    for name, manifest in (("listed", v2.manifest), ("swapped", other)):
        path = os.path.join(folder, name, "berth_0.2.0.berth")
        os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(v2.header(manifest, nsig=2) + manifest + sign(manifest, test) +
                    sign(manifest, key_other))
            with open(v2.path, "rb") as src:
                src.seek(v2.payloads)
                shutil.copyfileobj(src, f)
        paths.append(path)
    return paths


def new_key():
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    assert sodium.crypto_sign_keypair(pk, sk) == 0
    return sk.raw


def write_parts(path, parts):
    """PARTS (bytes, or (file, offset, length) as HttpServer takes them) into the file PATH."""
    with open(path, "wb") as f:
        for part in parts:
            if isinstance(part, bytes):
                f.write(part)
                continue
            src, start, n = part
            with open(src, "rb") as s:
                s.seek(start)
                f.write(s.read(n))
    return path


def fleet(vm, chan, v2, tmp):
    """0.2.0 through the channel, up to the install the machine does by itself. The channel
    lists it in format 2, which berth-update still reads (the other suites install format 3)."""
    key_other = secret_key("other.key")
    v2 = Bundle(write_parts(os.path.join(tmp, "format-2.berth"),
                            v2.in_format(secret_key("test.key"), 2)))
    listed, swapped = two_signed(v2, key_other, tmp)
    outside_wave(vm, chan, listed)
    index_refusals(vm, chan, key_other)
    halted(vm, chan)
    return not_as_listed(vm, chan, listed, swapped)


def failed_here(vm):
    """After the rollback, the channel still lists 0.2.0 for everyone: never taken again."""
    text = last_check(vm, r"waiting: 0\.2\.0: failed here before")
    r.check(text is not None, "after its rollback 0.2.0 is recorded as failed here and not "
            "taken again", str(text))
    st, out = vm.sh("cat /var/lib/berth/channel/failed")
    r.check(st == 0 and out.split() == ["0.2.0"], "/var/lib/berth/channel/failed lists 0.2.0",
            out)


def main():
    start = time.monotonic()
    v1, v2 = Bundle(V1), Bundle(V2)
    r.check(v1.manifest.startswith(b"format 3\nname berth\nversion 0.1.0\n") and
            v2.manifest.startswith(b"format 3\nname berth\nversion 0.2.0\n") and
            list(v2.parts) == ["verity", "root", "uki-a", "uki-b"],
            "the builds' bundles are berth 0.1.0 and 0.2.0 in format 3, the verity tree first")
    v2_epoch = int(dict(line.split(" ", 1) for line in v2.manifest.decode().splitlines())
                   .get("epoch", "0"))
    r.check(v2_epoch == 1, "the 0.2.0 bundle has security epoch 1 (test-v2.yaml's)",
            str(v2_epoch))
    global ESP
    parts = [partition_number(DISK, n) for n in ("esp", "root-b", "root-b-verity")]
    ESP = parts[0]
    # The refusals of a whole stream come from a server without Range: with it, berth-update
    # would take the root's unchanged blocks from slot a instead of the damaged bytes.
    srv, ranged = HttpServer(ranges=False), HttpServer()
    cases = serve_bundles(srv, v1, v2)
    fetched_block = flip_fetched(ranged, v1, v2)
    same_initrd = uki_guessed_wrong(ranged, v1, v2)
    tmp = tempfile.mkdtemp(prefix="berth-update-test-")
    os.makedirs(os.path.join(tmp, "channel"))
    chan = Channel(os.path.join(tmp, "channel"))
    drive = user_data_drive(os.path.join(tmp, "drive"), "update:\n  channel: "
                            f"{chan.url}\n  check_interval: 10\n  reboot: manual\n")
    vm = VM(DISK, "update", more_disks=[drive]).start()
    try:
        since = vm.mark()
        m = vm.expect(READY)
        r.check(m.group(1) == "0.1.0" and m.group(2) == "a", "image ready on slot a", m.group(0))
        # Marked good at once (nothing to wait for in the test image); after that
        # nothing but berth-update writes to the ESP.
        health(vm, since, False, "the factory boot")
        vm.wait_shell()
        r.check(vm.wait_network(), "network up")
        factory(vm)
        refusals(vm, srv, cases, parts)
        # Before the streaming refusals write 0.2.0's first chunks into slot b: a delta
        # install takes the blocks it finds there in place instead of fetching them.
        delta_refusal(vm, ranged, fetched_block, parts[0])
        streaming_refusals(vm, srv, v2, parts)
        since = fleet(vm, chan, v2, tmp)
        update(vm, chan, since, v2_epoch)
        rollback(vm)
        failed_here(vm)
        floor_holds(vm, srv)
        uki_guess(vm, ranged, same_initrd)
    except Timeout as e:
        r.check(False, "update test", str(e))
    finally:
        vm.close()
        srv.close()
        ranged.close()
        chan.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# update: {time.monotonic() - start:.0f} s", flush=True)
    sys.exit(1 if r.failed else 0)


main()
