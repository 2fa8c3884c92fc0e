#!/bin/bash
# Host-side check of the hello service and its OCI image archive:
#
#   tests/service/check.sh
#
# Builds hello (static, musl), runs it on a free port (port 0: the kernel
# picks one, hello logs it) and talks HTTP/1.0 to it over bash's /dev/tcp:
# GET /, /health, /data twice, a 404, garbage, an oversized request and a
# silent client; then SIGTERM. Then packs the image twice with pack.sh (and
# once more from the binary built here) and checks the OCI layout and that
# the manifest digests are equal.
#
# Prints "ok - service: ..." or "FAIL - service: ..." lines and exits 0.
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)

ok() { echo "ok - service: $*"; }
fail() { echo "FAIL - service: $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the program ---
bin=$tmp/hello
if ! musl-gcc -std=gnu11 -Wall -Wextra -Werror -Os -static \
	-ffunction-sections -fdata-sections -Wl,--gc-sections -s \
	-o "$bin" "$here/hello.c" 2>"$tmp/cc.log"; then
	fail "hello.c does not build: $(head -c 500 "$tmp/cc.log")"
	exit 0
fi
ok "hello builds ($(stat -c %s "$bin") bytes)"
if readelf -l "$bin" >"$tmp/elf" 2>&1 && ! grep -q INTERP "$tmp/elf" && ! readelf -d "$bin" | grep -q NEEDED; then
	ok "hello is static"
else
	fail "hello is not static (or readelf failed)"
fi

mkdir "$tmp/data"
: >"$tmp/log"
DATA_DIR=$tmp/data "$bin" 0 >"$tmp/log" 2>&1 &
pid=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/^hello: listening on port \([0-9]*\)$/\1/p' "$tmp/log")
	[ -n "$port" ] && break
	sleep 0.1
done
if [ -z "$port" ]; then
	fail "hello did not start: $(head -c 500 "$tmp/log")"
	exit 0
fi
ok "hello listens on port $port"

# http RAW_REQUEST: sets STATUS (e.g. 200, or "none") and BODY.
STATUS='' BODY=''
http() {
	local resp
	resp=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3 && cat <&3' \
		_ "$port" "$1" 2>/dev/null | tr -d '\r')
	STATUS=$(printf '%s\n' "$resp" | sed -n '1s|^HTTP/1\.[01] \([0-9][0-9][0-9]\) .*|\1|p')
	[ -n "$STATUS" ] || STATUS=none
	BODY=$(printf '%s\n' "$resp" | sed '1,/^$/d')
}
expect() { # expect NAME REQUEST STATUS [BODY]
	http "$2"
	if [ "$STATUS" = "$3" ] && { [ $# -lt 4 ] || [ "$BODY" = "$4" ]; }; then
		ok "$1"
	else
		fail "$1: got status $STATUS, body '${BODY:0:200}' (expected $3${4+, '$4'})"
	fi
}

expect "GET / says hello with the host name" 'GET / HTTP/1.0\r\n\r\n' 200 "hello from berth $(hostname)"
expect "GET /health is ok" 'GET /health HTTP/1.0\r\nHost: x\r\n\r\n' 200 ok
expect "GET /data counts 1" 'GET /data HTTP/1.0\r\n\r\n' 200 1
expect "GET /data counts 2" 'GET /data HTTP/1.1\r\nHost: x\r\n\r\n' 200 2
check "the data file has 2 lines" [ "$(wc -l <"$tmp/data/hits" 2>/dev/null)" = 2 ]
expect "an unknown path is 404" 'GET /nope HTTP/1.0\r\n\r\n' 404
expect "POST is 405" 'POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n' 405
expect "garbage is 400" '\x01\xff\x7fgarbage \x00 in\r\n\r\n' 400
expect "a request line without a version is 400" 'GET /\r\n\r\n' 400
big=$(head -c 9000 /dev/zero | tr '\0' A)
expect "an oversized request is 400" "GET /$big HTTP/1.0\\r\\n\\r\\n" 400
# A client that connects and sends nothing is dropped after the read
# deadline (5 s, then up to 0.25 s of lingering close); the next request
# is answered.
timeout 8 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; sleep 7' _ "$port" 2>/dev/null &
silent=$!
sleep 0.3
t0=$(date +%s)
expect "answers after a silent client" 'GET /health HTTP/1.0\r\n\r\n' 200 ok
t1=$(date +%s)
check "the silent client held the server at most 7 s ($((t1 - t0)) s)" [ $((t1 - t0)) -le 7 ]
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null
check "the server is still running" kill -0 "$pid"

n=$(grep -Ec '^hello: [^ ]+ [^ ]+ [0-9]{3} [0-9]+$' "$tmp/log")
check "one log line per request ($n of 11)" [ "$n" = 11 ]
check "the log has 'GET /data 200'" grep -q '^hello: GET /data 200 ' "$tmp/log"

kill -TERM "$pid"
st=none
for _ in $(seq 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$pid" 2>/dev/null; then
	wait "$pid"
	st=$?
fi
pid_was=$pid
pid=
check "SIGTERM: hello exits with status 0 (status $st)" [ "$st" = 0 ]
check "SIGTERM: hello logs 'stopping'" grep -qx 'hello: stopping' "$tmp/log"
[ "$st" != none ] || kill -KILL "$pid_was" 2>/dev/null

# --- the OCI image archive ---
digests=()
for run in a b c; do
	arg=()
	[ "$run" != c ] || arg=("$bin")
	if "$here/pack.sh" "$tmp/$run.tar" "${arg[@]}" >"$tmp/pack-$run.log" 2>&1; then
		digests+=("$(tail -n 1 "$tmp/pack-$run.log")")
	else
		fail "pack.sh run $run failed: $(tail -n 5 "$tmp/pack-$run.log")"
		exit 0
	fi
done
if [[ ${digests[0]} =~ ^sha256:[0-9a-f]{64}$ ]]; then
	ok "pack.sh prints the manifest digest (${digests[0]})"
else
	fail "pack.sh's last line '${digests[0]}' is not a digest"
fi
check "two pack.sh runs give the same manifest digest" [ "${digests[0]}" = "${digests[1]}" ]
check "two pack.sh runs give bit-identical archives" cmp -s "$tmp/a.tar" "$tmp/b.tar"
check "pack.sh with the binary built here gives the same digest" [ "${digests[0]}" = "${digests[2]}" ]
ok "archive size $(stat -c %s "$tmp/a.tar") bytes"

# The layout, read with Python's own tar, JSON and gzip readers.
python3 - "$tmp/a.tar" "${digests[0]}" "$bin" "${SOURCE_DATE_EPOCH:-0}" <<'EOF'
import datetime, gzip, hashlib, io, json, sys, tarfile

def ok(m): print("ok - service: oci: " + m)
def fail(m): print("FAIL - service: oci: " + m)
def check(m, c): ok(m) if c else fail(m)

archive, printed, binary, epoch = sys.argv[1:4] + [int(sys.argv[4])]
created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
try:
    with tarfile.open(archive) as t:
        files = {m.name: t.extractfile(m).read() for m in t if m.isfile()}
except (tarfile.TarError, OSError) as e:
    fail("cannot read %s: %s" % (archive, e)); sys.exit(0)

def blob(desc, what):
    """The blob a descriptor points to, its size and sha256 checked."""
    algo, _, hexd = desc.get("digest", "").partition(":")
    data = files.get("blobs/%s/%s" % (algo, hexd))
    if algo != "sha256" or data is None:
        fail("%s blob %s is missing" % (what, desc.get("digest"))); return None
    good = hashlib.sha256(data).hexdigest() == hexd and len(data) == desc.get("size")
    check("%s blob matches its digest and size" % what, good)
    return data if good else None

try:
    layout = json.loads(files["oci-layout"])
    index = json.loads(files["index.json"])
    ok("oci-layout and index.json parse")
except (KeyError, ValueError) as e:
    fail("oci-layout or index.json: %r" % e); sys.exit(0)
check("imageLayoutVersion is 1.0.0", layout.get("imageLayoutVersion") == "1.0.0")
ms = index.get("manifests", [])
check("index.json has one manifest, the printed digest",
      index.get("schemaVersion") == 2 and len(ms) == 1 and ms[0].get("digest") == printed)
if len(ms) != 1: sys.exit(0)
check("the manifest is tagged 'latest'",
      ms[0].get("annotations", {}).get("org.opencontainers.image.ref.name") == "latest")
raw = blob(ms[0], "manifest")
if raw is None: sys.exit(0)
man = json.loads(raw)
check("manifest media type", ms[0].get("mediaType") == "application/vnd.oci.image.manifest.v1+json"
      and man.get("config", {}).get("mediaType") == "application/vnd.oci.image.config.v1+json")
raw = blob(man.get("config", {}), "config")
if raw is None: sys.exit(0)
cfg = json.loads(raw)
c = cfg.get("config", {})
check("config: Entrypoint [\"/hello\"]", c.get("Entrypoint") == ["/hello"])
check("config: ExposedPorts 8080/tcp", list(c.get("ExposedPorts", {})) == ["8080/tcp"])
check("config: Env has DATA_DIR=/data", "DATA_DIR=/data" in c.get("Env", []))
check("config: linux/amd64, created at SOURCE_DATE_EPOCH (%s)" % created,
      cfg.get("os") == "linux" and cfg.get("architecture") == "amd64"
      and cfg.get("created") == created
      and all(h.get("created") == created for h in cfg.get("history", [])))
layers = man.get("layers", [])
check("one layer, tar+gzip", len(layers) == 1 and
      layers[0].get("mediaType") == "application/vnd.oci.image.layer.v1.tar+gzip")
if len(layers) != 1: sys.exit(0)
raw = blob(layers[0], "layer")
if raw is None: sys.exit(0)
tar = gzip.decompress(raw)
check("the layer's diff_id is the sha256 of its tar",
      cfg.get("rootfs", {}).get("diff_ids") == ["sha256:" + hashlib.sha256(tar).hexdigest()])
try:
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        ents = {m.name.strip("/").removeprefix("./"): (m, t.extractfile(m).read() if m.isfile() else None)
                for m in t}
    ok("the layer is a complete tar (%s)" % ", ".join(sorted(ents)))
except tarfile.TarError as e:
    fail("the layer is not a complete tar: %s" % e); sys.exit(0)
h, d = ents.get("hello", (None, None)), ents.get("data", (None, None))
check("layer: /hello is a root-owned 0755 file, the binary built here",
      h[0] is not None and h[0].isfile() and h[0].mode == 0o755 and h[0].uid == 0
      and h[1] == open(binary, "rb").read())
check("layer: /data is an empty directory",
      d[0] is not None and d[0].isdir() and not any(n.startswith("data/") for n in ents))
check("layer: only /hello and /data, mtime SOURCE_DATE_EPOCH", set(ents) == {"hello", "data"}
      and all(m.mtime == epoch for m, _ in ents.values()))
EOF
