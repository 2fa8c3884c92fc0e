#!/bin/bash
# The release history: runs the "ostree" stage (image/ostree.sh) on small
# trees in a scratch output folder instead of doing whole builds, then reads
# the history back with `berth log` and `berth diff`. Prints one "ok - " or
# "FAIL - " line per check and always exits 0: tests/run.sh counts the lines.
set -u
cd "$(dirname "$0")/.." || exit 1

berth=${BERTH:-build/berth}
src=$PWD
name=hist
ref=berth/$name/x86_64/stable

ok() { echo "ok - history: $*"; }
fail() { echo "FAIL - history: $*"; }
# result NAME: ok when the command just before it succeeded.
result() {
	# shellcheck disable=SC2181 # the status of the caller's last command
	if [ $? -eq 0 ]; then ok "$1"; else fail "$1"; fi
}

if [ ! -x "$berth" ]; then
	fail "$berth is not built"
	exit 0
fi
if ! command -v ostree >/dev/null; then
	fail "ostree is not installed (apt-get install ostree)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	fail "must run as root: the stage keeps owners"
	exit 0
fi

tmp=$(mktemp -d)
gpg_home=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$gpg_home" ] && gpgconf --homedir "$gpg_home" --kill all 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A small root tree: owners, odd modes, a symlink, an empty folder, and
# mtimes all over the place, which the checkout must not keep.
make_tree() {
	local t=$1
	mkdir -p "$t"/{etc,dev,tmp,usr/bin,var/lib/app}
	echo "welcome to berth" >"$t/etc/motd"
	echo "token" >"$t/etc/secret"
	chmod 0600 "$t/etc/secret"
	chown 1000:1001 "$t/etc/secret"
	printf '#!/bin/sh\necho hi\n' >"$t/usr/bin/tool"
	chmod 4755 "$t/usr/bin/tool"
	chmod 1777 "$t/tmp"
	chown 1000:1000 "$t/var/lib/app"
	chmod 0750 "$t/var/lib/app"
	ln -s usr/bin "$t/bin"
	touch -d @123456789 "$t/etc/motd"
	touch -h -d @987654321 "$t/bin"
}

# run_stage OUT VERSION [CHANNEL [GPG_KEY GPG_HOMEDIR]]: the stage on OUT/work/rootfs,
# with an empty modules tree (the modules stage's for a kernel without modules).
run_stage() {
	mkdir -p "$1/work/modules"
	env BERTH_SRC="$src" BERTH_OUT="$1" BERTH_WORK="$1/work" BERTH_NAME=$name \
		BERTH_VERSION="$2" BERTH_CHANNEL="${3:-stable}" BERTH_GPG_KEY="${4:-}" \
		BERTH_GPG_HOMEDIR="${5:-}" SOURCE_DATE_EPOCH=1700000000 \
		bash "$src/image/ostree.sh" >>"$tmp/stage.log" 2>&1
}

# Path, type, mode, owner, size, mtime and link target of everything under $1.
listing() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %s %T@ %l\n') | LC_ALL=C sort
}

out=$tmp/out/hist
repo=$tmp/out/repo
mkdir -p "$out/work"
make_tree "$out/work/rootfs"
cp -a "$out/work/rootfs" "$tmp/tree1"

# ---- first release ----
if run_stage "$out" 1.0.0; then ok "stage commits 1.0.0"; else
	fail "stage commits 1.0.0: $(tail -n 5 "$tmp/stage.log")"
	exit 0
fi
grep -qx 'mode=archive-z2' "$repo/config"
result "repository in archive mode beside the output folder"
c1=$(cat "$out/work/ostree.commit" 2>/dev/null)
[ -n "$c1" ] && [ "$c1" = "$(ostree rev-parse --repo="$repo" "$ref")" ]
result "ostree.commit names the ref's head"
grep -q "^    $name 1.0.0\$" <(ostree log --repo="$repo" "$ref")
result "subject is 'NAME VERSION'"
[ "$(ostree show --repo="$repo" --print-metadata-key=version "$c1")" = "'1.0.0'" ] &&
	[ "$(ostree show --repo="$repo" --print-metadata-key=berth.name "$c1")" = "'$name'" ]
result "version and berth.name metadata"
grep -q '^Date:  2023-11-14 22:13:20 +0000$' <(ostree show --repo="$repo" "$c1")
result "commit timestamp is SOURCE_DATE_EPOCH"

tree=$out/work/root-tree
listing "$tree" >"$tmp/checkout.list"
grep -qx './etc/secret f 600 1000:1001 6 0.0000000000 ' "$tmp/checkout.list"
result "checkout keeps owners and modes"
grep -qx './usr/bin/tool f 4755 0:0 .*' "$tmp/checkout.list" &&
	grep -qx './tmp d 1777 0:0 .*' "$tmp/checkout.list" &&
	grep -qx './var/lib/app d 750 1000:1000 .*' "$tmp/checkout.list"
result "checkout keeps setuid, sticky and folder owners"
grep -qx './bin l 777 0:0 7 0.0000000000 usr/bin' "$tmp/checkout.list" &&
	[ -d "$tree/dev" ]
result "checkout keeps symlinks and empty folders"
[ -z "$(find "$tree" -newermt @0)" ]
result "every mtime in the checkout is 0"
python3 -c 'import os, sys
for d, dirs, files in os.walk(sys.argv[1]):
    for p in [d] + [os.path.join(d, f) for f in files]:
        if os.listxattr(p, follow_symlinks=False): sys.exit(p)' "$tree"
result "checkout has no extended attributes"
diff -r "$tmp/tree1" "$tree"
result "checkout has the tree's content"

# ---- the same input elsewhere: the same commit and the same tree ----
mkdir -p "$tmp/again/out/hist/work"
cp -a "$tmp/tree1" "$tmp/again/out/hist/work/rootfs"
run_stage "$tmp/again/out/hist" 1.0.0
[ "$(cat "$tmp/again/out/hist/work/ostree.commit")" = "$c1" ]
result "same tree, fresh repository: same commit"
cmp -s "$tmp/checkout.list" <(listing "$tmp/again/out/hist/work/root-tree")
result "same tree, fresh repository: identical checkout"

# ---- rebuilding the same version adds nothing ----
run_stage "$out" 1.0.0
[ "$(cat "$out/work/ostree.commit")" = "$c1" ] &&
	[ "$(ostree rev-parse --repo="$repo" "$ref")" = "$c1" ]
result "rebuilt 1.0.0 keeps its commit"

# ---- second release: one file's content changed ----
echo "welcome to berth 1.0.1" >"$out/work/rootfs/etc/motd"
run_stage "$out" 1.0.1
c2=$(cat "$out/work/ostree.commit")
[ "$c2" != "$c1" ] && [ "$(ostree rev-parse --repo="$repo" "$c2^")" = "$c1" ]
result "1.0.1 is a new commit whose parent is 1.0.0"
grep -qx "welcome to berth 1.0.1" "$out/work/root-tree/etc/motd"
result "checkout of 1.0.1 has the new file"

# ---- berth log ----
log=$("$berth" log $name --repo "$repo" 2>"$tmp/err")
st=$?
want=$(printf '1.0.1\tstable\t%s\t2023-11-14T22:13:20Z\n1.0.0\tstable\t%s\t2023-11-14T22:13:20Z' "$c2" "$c1")
if [ $st -eq 0 ] && [ "$log" = "$want" ]; then
	ok "log lists 1.0.1 then 1.0.0"
else
	fail "log lists 1.0.1 then 1.0.0: exit $st, got '$log' $(cat "$tmp/err")"
fi
"$berth" log nothere --repo "$repo" >"$tmp/stdout" 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && [ ! -s "$tmp/stdout" ] && grep -q 'nothere has no releases' "$tmp/err"
result "log of an unknown image exits 1 and says why"
"$berth" log $name --repo "$tmp/nowhere" >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && grep -q 'no OSTree repository' "$tmp/err"
result "log without a repository exits 1"

# ---- berth diff ----
diff=$("$berth" diff $name 1.0.0 1.0.1 --repo "$repo" 2>"$tmp/err")
st=$?
if [ $st -eq 0 ] && [ "$diff" = "M /etc/motd" ]; then
	ok "diff between versions that differ by one file reports exactly that file"
else
	fail "diff 1.0.0 1.0.1: exit $st, got '$diff' $(cat "$tmp/err")"
fi
diff=$("$berth" diff $name 1.0.1 1.0.0 --repo="$repo" 2>&1)
[ "$diff" = "M /etc/motd" ]
result "diff the other way round"
diff=$("$berth" diff $name 1.0.0 1.0.0 --repo "$repo" 2>&1)
st=$?
[ $st -eq 0 ] && [ -z "$diff" ]
result "diff of a version with itself is empty"
"$berth" diff $name 1.0.0 9.9.9 --repo "$repo" >"$tmp/stdout" 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && [ ! -s "$tmp/stdout" ] && grep -qx "berth: $name has no version 9.9.9" "$tmp/err"
result "diff with an unknown version exits 1"
for args in "$name 1.0.0" "$name 1.0 1.0.1" "Bad_Name 1.0.0 1.0.1" "$name 1.0.0 1.0.1 --repo" \
	"$name 1.0.0 1.0.1 extra" "$name 1.0.0 1.0.1 --nope"; do
	# shellcheck disable=SC2086 # split on purpose
	"$berth" diff $args >/dev/null 2>&1
	st=$?
	[ $st -eq 2 ]
	result "usage error exits 2: diff $args"
done

# ---- a larger change: added, removed, changed, sorted by path ----
rm "$out/work/rootfs/etc/secret"
mkdir "$out/work/rootfs/etc/app"
echo new >"$out/work/rootfs/etc/app/conf"
chmod 0700 "$out/work/rootfs/usr/bin/tool"
run_stage "$out" 1.1.0-rc.1
diff=$("$berth" diff $name 1.0.1 1.1.0-rc.1 --repo "$repo" 2>&1)
want=$(printf 'A /etc/app\nA /etc/app/conf\nD /etc/secret\nM /usr/bin/tool')
[ "$diff" = "$want" ]
result "diff lists additions, removals and mode changes by path"

# ---- two builds at once on one repository, other channels ----
for ch in edge beta; do
	mkdir -p "$tmp/out/$ch/work"
	cp -a "$tmp/tree1" "$tmp/out/$ch/work/rootfs"
	echo "$ch" >"$tmp/out/$ch/work/rootfs/etc/channel"
done
run_stage "$tmp/out/edge" 2.0.0 edge &
pid=$!
run_stage "$tmp/out/beta" 1.2.0 beta
st_beta=$?
wait $pid
st_edge=$?
[ $st_beta -eq 0 ] && [ $st_edge -eq 0 ]
result "two concurrent builds on one repository both commit"
ostree fsck --repo="$repo" --quiet >/dev/null 2>&1
result "repository is consistent after concurrent commits"
channels=$("$berth" log $name --repo "$repo" 2>&1 | cut -f1,2 | LC_ALL=C sort | tr '\n' ' ')
[ "$channels" = "1.0.0	stable 1.0.1	stable 1.1.0-rc.1	stable 1.2.0	beta 2.0.0	edge " ]
result "log covers every channel"
diff=$("$berth" diff $name 1.2.0 2.0.0 --repo "$repo" 2>&1)
[ "$diff" = "M /etc/channel" ]
result "diff across channels"

# ---- a signed commit ----
if command -v gpg >/dev/null; then
	gpg_home=$tmp/gnupg
	mkdir -m 0700 "$gpg_home"
	gpg --homedir "$gpg_home" --batch --passphrase '' --quick-gen-key \
		'berth history test <history@berth.invalid>' ed25519 sign never >/dev/null 2>&1
	key=$(gpg --homedir "$gpg_home" --with-colons --list-secret-keys 2>/dev/null |
		awk -F: '$1 == "fpr" { print $10; exit }')
	mkdir -p "$tmp/out/signed/work" "$tmp/keyring"
	cp -a "$tmp/tree1" "$tmp/out/signed/work/rootfs"
	gpg --homedir "$gpg_home" --export "$key" >"$tmp/keyring/berth.gpg" 2>/dev/null
	if [ -n "$key" ] && run_stage "$tmp/out/signed" 3.0.0 signed "$key" "$gpg_home"; then
		cs=$(cat "$tmp/out/signed/work/ostree.commit")
		grep -q 'Good signature from "berth history test' \
			<(ostree show --repo="$repo" --gpg-homedir="$tmp/keyring" "$cs" 2>&1)
		result "signed commit verifies with the public key"
	else
		fail "signed commit: $(tail -n 5 "$tmp/stage.log")"
	fi
	! run_stage "$tmp/out/signed" 3.0.1 signed 0123456789ABCDEF "$gpg_home"
	result "signing with a key that is not there fails the stage"
else
	fail "gpg is not installed (apt-get install gnupg): signing untested"
fi

# ---- the stage refuses what it cannot record faithfully ----
mkdir -p "$tmp/out/bad/work/rootfs"
mkfifo "$tmp/out/bad/work/rootfs/fifo"
! run_stage "$tmp/out/bad" 1.0.0
result "a tree with a fifo fails the stage"
exit 0
