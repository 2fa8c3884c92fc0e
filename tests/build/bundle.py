"""Reads a build's update bundle as berth-update will, with tools of its own
(Python for the format, OpenSSL for Ed25519), and checks it against the
build: its payloads are the work folder's root image, verity tree and
per-slot UKIs, its root hash is the one veritysetup reported
(work/veritysetup.txt), its signature verifies with
the given public key, and the image holds update.conf and that key.
Builds write format 3: the epoch (0 too), the verity tree's salt (the one
veritysetup reported), and the verity tree before the root.

usage: bundle.py OUT_DIR PUBLIC_KEY_FILE
"""
import glob
import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile

# In the order format 3 carries them.
PAYLOADS = [("verity", "verity.img"), ("root", "root.erofs"), ("uki-a", "uki-a.efi"),
            ("uki-b", "uki-b.efi")]
# DER SubjectPublicKeyInfo of an Ed25519 key, less its 32 key bytes (RFC 8410).
ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")


def check(cond, name, detail=""):
    print(f"ok - bundle: {name}" if cond else f"FAIL - bundle: {name}" + (f" ({detail})" if detail else ""))
    return cond


def sha256_of(f, size):
    h, left = hashlib.sha256(), size
    while left:
        chunk = f.read(min(left, 1 << 20))
        if not chunk:
            break
        h.update(chunk)
        left -= len(chunk)
    return h.hexdigest(), size - left


def verify(pub, sig, text):
    with tempfile.TemporaryDirectory() as d:
        for name, data in (("pub.der", ED25519_SPKI + pub), ("sig", sig), ("text", text)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
                            "-inkey", f"{d}/pub.der", "-rawin", "-in", f"{d}/text",
                            "-sigfile", f"{d}/sig"], capture_output=True, text=True)
        return r.returncode == 0, (r.stdout + r.stderr).strip()


def main(out, pub_file):
    work = os.path.join(out, "work")
    bundles = glob.glob(os.path.join(out, "*.berth"))
    if not check(len(bundles) == 1, f"{out} holds one bundle", str(bundles)):
        return
    with open(pub_file) as f:
        pub = bytes.fromhex(f.read().strip())
    verity = dict(re.findall(r"^([\w ]+):\s+(\S+)$", open(os.path.join(work, "veritysetup.txt")).read(), re.M))
    with open(bundles[0], "rb") as f:
        magic, fmt, mlen, nsig, zero = struct.unpack("<8sIIII", f.read(24))
        check(magic == b"BERTHBDL" and fmt == 3 and zero == 0, f"header: magic, format {fmt}, zero")
        check(nsig == 1, "header: one signature", str(nsig))
        text = f.read(mlen)
        lines = text.decode().split("\n")
        check(lines[-1] == "" and len(lines) == 12, "manifest: 11 lines, each ending in a newline")
        fields = {}  # "name": ["berth"], "payload root": [SIZE, SHA256], ...
        for line in lines[:-1]:
            w = line.split(" ")
            n = 2 if w[0] == "payload" else 1
            fields[" ".join(w[:n])] = w[n:]
        check(fields["format"] == [str(fmt)], "manifest: the header's format")
        check(re.fullmatch("epoch (0|[1-9][0-9]*)", lines[4]),
              "manifest: the security epoch, on the line after compatible", lines[4])
        check(lines[6] == f"salt {verity['Salt']}", "manifest: the salt veritysetup reported, after "
              "roothash", lines[6])
        check([line.split(" ")[1] for line in lines[7:11]] == [label for label, _ in PAYLOADS],
              "manifest: the payloads, the verity tree first", str(lines[7:11]))
        name = os.path.basename(bundles[0])[:-len(".berth")]
        check(f"{fields['name'][0]}_{fields['version'][0]}" == name, "manifest: name and version as the file's", name)
        check(fields["roothash"] == [verity["Root hash"]], "manifest: the root hash veritysetup reported")
        conf = open(os.path.join(work, "root-tree/etc/berth/update.conf")).read()
        check(re.fullmatch(f"compatible {re.escape(fields['compatible'][0])}\nhealth-deadline [0-9]+\n", conf),
              "the image's update.conf names the bundle's compatible", conf)
        sigs = f.read(96 * nsig)
        check(sigs[:32] == pub, "signature: by the given public key")
        ok, why = verify(pub, sigs[32:96], text)
        check(ok, "signature: verifies over the manifest bytes (OpenSSL)", why)
        ok, _ = verify(pub, sigs[32:96], text.replace(b"format %d" % fmt, b"format 9"))
        check(not ok, "signature: does not verify over other bytes")
        for label, file in PAYLOADS:
            size, digest = fields[f"payload {label}"]
            got, n = sha256_of(f, int(size))
            check(n == int(size) and got == digest, f"payload {label}: size and SHA-256 as the manifest says")
            check(int(size) == os.path.getsize(os.path.join(work, file)) and
                  digest == sha256_of(open(os.path.join(work, file), "rb"), int(size))[0],
                  f"payload {label}: is work/{file}")
        check(f.read(1) == b"", "nothing after the last payload")
    trusted = os.path.join(work, "root-tree/etc/berth/keys", os.path.basename(pub_file))
    check(os.path.exists(trusted) and bytes.fromhex(open(trusted).read().strip()) == pub,
          "the image trusts the signing key", trusted)


main(*sys.argv[1:3])
