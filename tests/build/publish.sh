#!/bin/bash
# `berth publish`: a channel folder made from make test's bundles (0.1.0 in
# out/test, 0.2.0 in out/test-v2), its signed index read back by `publish
# show` (lib/channel.c's parser, the signature checked with the public
# key), every write one serial higher, and every refusal exiting non-zero
# with its reason and the index byte for byte as it was. BERTH_OUT moves
# out/ (the bundles are only read).
set -u
cd "$(dirname "$0")/../.."
berth=$PWD/build/berth
out=$(realpath "${BERTH_OUT:-out}")
key=$PWD/tests/manifests/keys/test.key
pub=$PWD/tests/manifests/keys/test.pub
v1=$out/test/berth_0.1.0.berth
v2=$out/test-v2/berth_0.2.0.berth
tmp=$(mktemp -d /tmp/berth-publish-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - publish: $name"; else echo "FAIL - publish: $name"; fi
}

# NAME STATUS MESSAGE ARGS...: `berth publish ARGS` exits STATUS saying MESSAGE, index unchanged.
refused() {
	local name=$1 want=$2 msg=$3 st before
	shift 3
	before=$(sha256sum <ch/index)
	"$berth" publish "$@" >/dev/null 2>err
	st=$?
	check "$name: exit $want" test "$st" = "$want"
	check "$name: says \"$msg\"" grep -qF -- "$msg" err
	check "$name: the index unchanged" test "$(sha256sum <ch/index)" = "$before"
}

field() { # KEY: the value of the index's KEY line
	sed -n "s/^$1 //p" ch/index
}

for f in "$v1" "$v2"; do
	if [ ! -f "$f" ]; then
		echo "FAIL - publish: $f is missing (make test builds it)"
		exit 0
	fi
done
chmod 600 "$key"
cd "$tmp" || exit 1

# ---- a new channel ----
now=$(date +%s)
check "add makes the channel" "$berth" publish add ch "$v1" --key "$key"
check "... with an index" test -s ch/index
check "... and the bundle copied in" cmp -s "$v1" ch/berth_0.1.0.berth
check "... no temporary file left" test -z "$(find ch -name '*.tmp')"
check "serial 1" test "$(field serial)" = 1
check "compatible from the bundle" test "$(field compatible)" = berth-x86_64
# The manifest: after the 24-byte header, its length the header's third 32-bit word.
manifest_len=$(od -An -tu4 -j12 -N4 "$v1" | tr -d ' ')
check "the bundle line: path, size, the manifest's sha256" test "$(field bundle)" = \
	"berth_0.1.0.berth $(stat -L -c %s "$v1") $(tail -c +25 "$v1" | head -c "$manifest_len" |
		sha256sum | cut -d' ' -f1)"
# The default waves: 1% now, 10% after 4 h, 50% after a day, 100% after 3 days.
waves=$(sed -n 's/^wave //p' ch/index | while read -r t p; do
	echo "$(($(date -d "$t" +%s) - now)):$p"
done | tr '\n' ' ')
check "the default waves (${waves})" python3 -c '
import sys
got = [w.split(":") for w in sys.argv[1].split()]
want = [(0, "1"), (4 * 3600, "10"), (86400, "50"), (3 * 86400, "100")]
sys.exit(not (len(got) == 4 and all(0 <= int(g[0]) - w[0] <= 5 and g[1] == w[1] for g, w in zip(got, want))))
' "$waves"
exp=$(($(date -d "$(field expires)" +%s) - now))
check "expires in 7 days" test "$exp" -ge $((7 * 86400)) -a "$exp" -le $((7 * 86400 + 5))
"$berth" publish show ch --key "$pub" >show 2>&1
check "show parses and verifies it" test $? = 0
check "... names the key that verified" grep -q "verified with $pub" show
check "... shows 1% now" grep -q "now: 1% of machines" show

# ---- more writes: each one serial higher ----
check "add 0.2.0" "$berth" publish add ch "$v2" --key "$key" --waves 0:5,2h:20.5,1d:100
check "serial 2" test "$(field serial)" = 2
check "two releases, oldest first" test "$(field release | tr '\n' ' ')" = "0.1.0 0.2.0 "
check "... its waves" test "$(sed -n 's/^wave [^ ]* //p' ch/index | tail -n 3 | tr '\n' ' ')" = \
	"5 20.5 100 "
check "... its bundle copied in" cmp -s "$v2" ch/berth_0.2.0.berth
check "halt 0.2.0" "$berth" publish halt ch 0.2.0 --key "$key"
check "serial 3, a halted line" test "$(field serial)/$(grep -c '^halted$' ch/index)" = 3/1
"$berth" publish show ch --key "$pub" >show 2>&1
check "show: halted" grep -q "now: 0% of machines (halted" show
check "resume 0.2.0" "$berth" publish resume ch 0.2.0 --key "$key"
check "serial 4, no halted line" test "$(field serial)/$(grep -c '^halted$' ch/index)" = 4/0
check "schedule 0.2.0 0:100" "$berth" publish schedule ch 0.2.0 0:100 --key "$key"
check "serial 5, one wave of 100%" test "$(field serial)/$(grep -c '^wave .* 100$' ch/index)" = 5/2
"$berth" publish show ch --key "$pub" >show 2>&1
check "show: everyone now" test "$(grep -c 'now: 100% of machines' show)" = 1
check "halt 0.1.0, then schedule it" "$berth" publish halt ch 0.1.0 --key "$key"
check "... still halted" "$berth" publish schedule ch 0.1.0 0:50 --key "$key"
check "serial 7, 0.1.0 halted" test "$(field serial)/$(sed -n '/^release 0.1.0$/,/^release/p' ch/index | grep -c '^halted$')" = 7/1
check "... at 50%" grep -q '^wave .* 50$' ch/index
now=$(date +%s)
check "renew --expires 12h" "$berth" publish renew ch --key "$key" --expires 12h
exp=$(($(date -d "$(field expires)" +%s) - now))
check "serial 8, expires in 12 hours" test "$(field serial)" = 8 -a "$exp" -ge 43200 -a "$exp" -le 43205
check "show verifies it" "$berth" publish show ch --key "$pub"

# ---- refusals ----
refused "the same version again" 1 "not newer than the channel's 0.2.0" add ch "$v2" --key "$key"
refused "an older version" 1 "is version 0.1.0, not newer" add ch "$v1" --key "$key"
# A bundle of another compatible: a whole one, of empty payloads (add does not check signatures).
python3 - other.berth <<'EOF'
import hashlib, struct, sys
e = hashlib.sha256(b"").hexdigest()
m = ("format 1\nname berth\nversion 9.0.0\ncompatible other-arm64\nroothash " + e + "\n" +
     "".join("payload %s 0 %s\n" % (p, e) for p in ("root", "verity", "uki-a", "uki-b"))).encode()
open(sys.argv[1], "wb").write(b"BERTHBDL" + struct.pack("<IIII", 1, len(m), 0, 0) + m)
EOF
refused "another compatible" 1 'is for "other-arm64", the channel in ch for "berth-x86_64"' \
	add ch other.berth --key "$key"
head -c 1000 "$v2" >cut.berth
refused "a bundle cut short" 1 "not a whole bundle" add ch cut.berth --key "$key"
echo hello >hello.berth
refused "a short file" 1 "hello.berth: not a berth update bundle: cut short" add ch hello.berth \
	--key "$key"
head -c 100 /dev/zero >zero.berth
refused "not a bundle" 1 "zero.berth: not a berth update bundle (no BERTHBDL magic)" \
	add ch zero.berth --key "$key"
refused "a missing bundle" 1 "missing.berth: No such file" add ch missing.berth --key "$key"
refused "no --key" 2 "usage:" renew ch
refused "a missing key file" 1 "signing key nokey.key: No such file" renew ch --key nokey.key
mkdir dir.key
refused "a key file that is a folder" 1 "is not a regular file" renew ch --key dir.key
refused "a public key to sign with" 1 "does not hold a key" renew ch --key "$pub"
refused "an unknown version" 1 "ch/index has no release 0.3.0" halt ch 0.3.0 --key "$key"
refused "resume what is not halted" 1 "0.2.0 is not halted already" resume ch 0.2.0 --key "$key"
refused "a bad version" 2 "bad version" schedule ch 1.0 0:1 --key "$key"
refused "an empty SPEC" 2 "usage:" schedule ch 0.2.0 "" --key "$key"
for spec in "0:1,0:2" "1h:5,30m:6" "0:10,1h:5" "0:101" "0:1.234" "0:1," "1:5" "1x:5" \
	"0:-1" "0" "3651d:1" "0:1,1s:1,2s:1,3s:1,4s:1,5s:1,6s:1,7s:1,8s:1,9s:1,10s:1,11s:1,12s:1,13s:1,14s:1,15s:1,16s:1"; do
	refused "bad SPEC \"$spec\"" 2 "bad waves" schedule ch 0.2.0 "$spec" --key "$key"
done
refused "bad --expires" 2 "bad --expires" renew ch --key "$key" --expires 0
refused "an unknown command" 2 "usage:" remove ch 0.2.0 --key "$key"
mkdir empty
"$berth" publish halt empty 0.1.0 --key "$key" >/dev/null 2>err
check "no channel: exit 1" test $? = 1
check "... says so" grep -q "no channel in empty" err
check "... writes no index" test ! -e empty/index

# ---- signatures ----
"$berth" keygen other >/dev/null
"$berth" publish show ch --key other.pub >/dev/null 2>err
check "show with another key: exit 1" test $? = 1
check "... refused" grep -q "refused: no valid signature by other.pub" err
check "show with both keys: verified" "$berth" publish show ch --key other.pub --key "$pub"
cp -r ch tampered
sed -i 's/^serial 8$/serial 9/' tampered/index
"$berth" publish show tampered --key "$pub" >show 2>err
check "a tampered index (serial): exit 1" test $? = 1
check "... its signature does not verify" grep -q "DOES NOT VERIFY" show
cp ch/index tampered/index
sed -i 's/ 100$/ 99/' tampered/index
check "a tampered index (a wave): refused" test "$("$berth" publish show tampered --key "$pub" \
	>/dev/null 2>&1; echo $?)" = 1
cp ch/index tampered/index
echo "release 9.0.0" >>tampered/index
check "a line after the signature: refused" test "$("$berth" publish show tampered \
	>/dev/null 2>&1; echo $?)" = 1
cp ch/index tampered/index
rm tampered/berth_0.1.0.berth
check "a bundle file missing: show exits 1" test "$("$berth" publish show tampered \
	>/dev/null 2>&1; echo $?)" = 1
check "a second key signs (rotation)" "$berth" publish renew ch --key other.key
check "... and verifies with it" "$berth" publish show ch --key other.pub

# ---- two publishers at once lose no update ----
serial=$(field serial)
for i in 1 2 3 4; do
	for j in 1 2 3 4 5; do "$berth" publish renew ch --key "$key" >/dev/null 2>&1; done &
done
wait
check "20 renewals at once: serial + 20" test "$(field serial)" = $((serial + 20))
check "... and the index verifies" "$berth" publish show ch --key "$pub"
exit 0
