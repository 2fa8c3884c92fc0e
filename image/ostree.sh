#!/bin/bash
# Stage "ostree": records the rootfs tree, with the modules stage's tree
# layered over it (ostree commit --tree=dir= twice: the kernel's modules in
# usr/lib/modules/), as a commit in the release history,
# an OSTree repository in archive mode shared by every output folder beside
# this one ($(dirname $BERTH_OUT)/repo), then checks that commit out again:
# the checkout, not the stages' trees, is what the root image is made
# from, so the image holds exactly what the history says it holds.
#
#   ref       berth/<name>/x86_64/<channel>
#   subject   "<name> <version>"
#   metadata  version=<version> (OSTree's own key), berth.name=<name>
#   timestamp SOURCE_DATE_EPOCH (0 when unset)
#
# Owners and modes are kept as they are in the tree (the build runs as root);
# extended attributes are not recorded, so the build host's labels never end
# up in an image. The commit is GPG-signed when BERTH_GPG_KEY is set.
#
# Rebuilding a version whose tree is unchanged adds no commit: the ref keeps
# its head, and the same commit is checked out again.
#
# Out: $BERTH_WORK/root-tree (the checkout, every mtime 0) and
# $BERTH_WORK/ostree.commit (the commit's checksum).
set -euo pipefail

arch=x86_64
name=${BERTH_NAME:?}
version=${BERTH_VERSION:?}
channel=${BERTH_CHANNEL:-stable}
epoch=${SOURCE_DATE_EPOCH:-0}
work=${BERTH_WORK:?}
tree=$work/rootfs
modules=$work/modules
checkout=$work/root-tree
repo=$(dirname "${BERTH_OUT:?}")/repo
ref=berth/$name/$arch/$channel

die() {
	echo "berth: ostree: $*" >&2
	exit 1
}

# The manifest parser checked these already; this stage can also be run by hand.
[[ $name =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || die "bad name '$name'"
[[ $channel =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "bad channel '$channel'"
[[ $version =~ ^[0-9A-Za-z.-]+$ ]] || die "bad version '$version'"
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be a number of seconds, not '$epoch'"
[ -d "$tree" ] || die "no tree at $tree (the rootfs stage makes it)"
[ -d "$modules" ] || die "no tree at $modules (the modules stage makes it)"

sign=()
if [ -n "${BERTH_GPG_KEY:-}" ]; then
	sign=(--gpg-sign="$BERTH_GPG_KEY")
	if [ -n "${BERTH_GPG_HOMEDIR:-}" ]; then
		[ -d "$BERTH_GPG_HOMEDIR" ] || die "no GPG home directory at $BERTH_GPG_HOMEDIR"
		sign+=(--gpg-homedir="$BERTH_GPG_HOMEDIR")
	fi
fi

# One build at a time writes to a repository: the lock is held until the ref
# points at the new commit; reading a commit back needs no lock.
mkdir -p "$repo"
exec 9>"$repo/.berth.lock"
flock 9
if [ ! -e "$repo/config" ]; then
	ostree init --repo="$repo" --mode=archive
fi
mode=$(ostree config --repo="$repo" get core.mode)
case $mode in
archive | archive-z2) ;;
*) die "$repo is an OSTree repository in $mode mode, not archive" ;;
esac

parent=$(ostree rev-parse --repo="$repo" "$ref" 2>/dev/null) || parent=
commit=$(ostree commit --repo="$repo" --branch="$ref" \
	--subject="$name $version" \
	--add-metadata-string=version="$version" \
	--add-metadata-string=berth.name="$name" \
	--timestamp="@$epoch" --no-xattrs "${sign[@]}" --tree=dir="$tree" --tree=dir="$modules")
[[ $commit =~ ^[0-9a-f]{64}$ ]] || die "ostree commit printed '$commit', not a checksum"

# The same version of the same tree again: keep the existing commit.
content() {
	ostree show --repo="$repo" "$1" | sed -n 's/^ContentChecksum: *//p'
}
version_of() {
	ostree show --repo="$repo" --print-metadata-key=version "$1" 2>/dev/null || true
}
if [ -n "$parent" ] && [ "$(version_of "$parent")" = "$(version_of "$commit")" ] &&
	[ "$(content "$parent")" = "$(content "$commit")" ]; then
	ostree reset --repo="$repo" "$ref" "$parent"
	echo "berth: $ref: $version unchanged, keeping commit $parent"
	commit=$parent
fi
exec 9>&-

# A copy, never hardlinks into the repository: the checkout is touched below.
rm -rf "$checkout"
ostree checkout --repo="$repo" --force-copy "$commit" "$checkout"
# OSTree sets some mtimes to 0 and leaves others at the time of the
# checkout: make them all 0, so the same commit gives the same tree.
find "$checkout" -depth -exec touch --no-dereference --date=@0 {} +

# Nothing may get lost or changed on the way: type, mode, owner, size and
# link target of every path in the checkout are those of the trees (a
# folder both have, such as usr/lib, is listed once when the two agree on
# it, and twice, so differing from the checkout, when they do not).
listing() {
	(for t in "$@"; do (cd "$t" && find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%l\n'); done) |
		awk -F '\t' -v OFS='\t' '$2 != "f" { $5 = "-" } { print }' | LC_ALL=C sort -u
}
if ! diff <(listing "$tree" "$modules") <(listing "$checkout") >"$work/ostree.diff"; then
	head -n 20 "$work/ostree.diff" >&2
	die "the checkout of $commit differs from $tree and $modules (see $work/ostree.diff)"
fi
rm -f "$work/ostree.diff"

echo "$commit" >"$work/ostree.commit"
echo "ostree $ref $version: commit $commit"
