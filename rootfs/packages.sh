#!/bin/bash
# Part of stage "rootfs": the Debian packages of the manifest's
# rootfs.packages and everything they depend on, unpacked into the root.
#
#   bash rootfs/packages.sh ROOT LOCK_OUT [LOCK_IN]
#
# Environment: BERTH_SRC, BERTH_CACHE, BERTH_PACKAGES (space-separated
# Debian package names; empty: write an empty lockfile, touch nothing else).
#
# Without LOCK_IN, apt resolves the closure (Depends and Pre-Depends) against
# an empty dpkg status; with LOCK_IN, exactly the packages, versions and
# SHA-256 sums listed there are installed. Either way LOCK_OUT gets the
# lockfile of what went in. The .debs are unpacked in name order with
# merged /usr kept, without maintainer scripts; what those would have done
# that berth needs is done here (docs/packages.md). Then the paths listed in
# rootfs/prune.rules are removed and the loader cache is built.
set -euo pipefail
export LC_ALL=C

die() {
	echo "berth: $*" >&2
	exit 1
}
note() { echo "berth: note: $*" >&2; }

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: packages.sh ROOT LOCK_OUT [LOCK_IN]"
: "${BERTH_SRC:?BERTH_SRC is not set}" "${BERTH_CACHE:?BERTH_CACHE is not set}"
[ -d "$1" ] || die "root $1 is not a directory"
root=$(realpath -e -- "$1")
lock_out=$2
lock_in=${3:-}
debs=$BERTH_CACHE/debs
header='# berth lockfile: exact Debian packages of the root file system'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The requested packages, checked and normalized (sorted, each once).
read -ra req <<<"${BERTH_PACKAGES:-}"
for p in ${req[@]+"${req[@]}"}; do
	[[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || die "bad Debian package name '$p' in BERTH_PACKAGES"
done
requested=$(printf '%s\n' ${req[@]+"${req[@]}"} | sort -u | paste -sd' ')

# The lock's rows: parallel arrays, sorted by package name.
names=() vers=() shas=() files=()

# write_lock: LOCK_OUT from the arrays, atomically.
write_lock() {
	local t i
	mkdir -p "$(dirname -- "$lock_out")"
	t=$(mktemp "$lock_out.XXXXXX")
	{
		echo "$header"
		echo "# requested:${requested:+ $requested}"
		for i in "${!names[@]}"; do
			echo "${names[i]} ${vers[i]} ${shas[i]} ${files[i]}"
		done
	} >"$t"
	chmod 0644 "$t"
	mv -f "$t" "$lock_out"
}

# read_lock FILE: fills the arrays; the lock must be for the same request.
read_lock() {
	local f=$1 line n=0 got='' name ver sha file extra prev=''
	[ -f "$f" ] || die "lockfile $f not found"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if [ "$n" -eq 1 ]; then
			[ "$line" = "$header" ] || die "$f:1: not a berth lockfile"
			continue
		fi
		case $line in
		'# requested:'*)
			got=${line#'# requested:'}
			got=${got# }
			continue
			;;
		'#'* | '') continue ;;
		esac
		read -r name ver sha file extra <<<"$line"
		if [ -z "$file" ] || [ -n "$extra" ] || ! [[ $name =~ ^[a-z0-9][a-z0-9+.-]+$ ]] ||
			! [[ $ver =~ ^[0-9A-Za-z.+~:-]+$ ]] ||
			! [[ $sha =~ ^[0-9a-f]{64}$ ]] || ! [[ $file =~ ^[A-Za-z0-9][A-Za-z0-9+.~%_-]*\.deb$ ]] ||
			[[ $file != "${name}_"* ]]; then
			die "$f:$n: expected '<package> <version> <sha256> <file>.deb', got: $line"
		fi
		[[ -z $prev || $prev < $name ]] || die "$f:$n: packages not sorted or listed twice ($name)"
		prev=$name
		names+=("$name") vers+=("$ver") shas+=("$sha") files+=("$file")
	done <"$f"
	if [ "$got" != "$requested" ]; then
		die "the lockfile $f was made for packages '$got' but the manifest asks for '$requested'; build without the lockfile to update it"
	fi
}

# in_root: paths resolved inside the root (rootfs/in_root.sh).
# shellcheck disable=SC1091 # sourced from the source tree at run time
. "$BERTH_SRC/rootfs/in_root.sh"

if [ -z "$requested" ]; then
	[ -z "$lock_in" ] || read_lock "$lock_in"
	names=() vers=() shas=() files=()
	write_lock
	echo "packages: none"
	exit 0
fi

# shellcheck disable=SC1091 # sourced from the source tree at run time
. "$BERTH_SRC/image/lib/debs.sh"

if [ -z "$lock_in" ]; then
	# Resolve: apt against an empty status selects the whole closure.
	apt_ready
	if ! apt-get install -s -q ${req[@]+"${req[@]}"} >"$tmp/sim" 2>"$tmp/sim.err"; then
		cat "$tmp/sim" "$tmp/sim.err" >&2
		die "apt cannot resolve the Debian packages '$requested'"
	fi
	# Inst NAME (VERSION ORIGINS [ARCH]) -> NAME VERSION ARCH
	sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*\[([^] ]+)\]\).*$/\1 \2 \3/p' "$tmp/sim" | sort >"$tmp/closure"
	[ -s "$tmp/closure" ] || {
		cat "$tmp/sim" >&2
		die "apt selected no packages for '$requested'"
	}
	pins=()
	while read -r name ver arch; do
		pins+=("$name=$ver")
		names+=("$name") vers+=("$ver") files+=("${name}_${ver//:/%3a}_$arch.deb")
	done <"$tmp/closure"
	# apt reuses the cached .debs whose hashes match its lists. Its locks
	# fail at once when another build holds them: downloads take turns.
	debs_lock
	apt-get install --download-only -y -q "${pins[@]}" >&2 ||
		die "download of the Debian packages '$requested' failed"
	for i in "${!names[@]}"; do
		[ -f "$debs/${files[i]}" ] || die "apt did not leave ${files[i]} in $debs"
		shas[i]=$(sha256sum <"$debs/${files[i]}" | cut -c1-64)
	done
	debs_unlock
else
	read_lock "$lock_in"
	[ "${#names[@]}" -gt 0 ] || die "lockfile $lock_in lists no packages"
	for i in "${!names[@]}"; do
		deb_fetch_locked "${names[i]}" "${vers[i]}" "${shas[i]}" "${files[i]}" >/dev/null || exit 1
	done
fi
write_lock

# Unpack. Merged /usr: /bin, /sbin, /lib, /lib64 stay symlinks into /usr
# (plain `dpkg-deb -x` would replace them with directories), so tar keeps
# directory symlinks; the root's own directories keep their modes.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64"
for d in bin sbin lib lib64; do
	[ -e "$root/$d" ] || [ -L "$root/$d" ] || ln -s "usr/$d" "$root/$d"
done
file_bytes() { find "$root" ! -type d -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
bytes0=$(file_bytes)
declare -A owner=()
debian_kib=0
for i in "${!names[@]}"; do
	name=${names[i]} deb=$debs/${files[i]}
	dpkg-deb --fsys-tarfile "$deb" >"$tmp/data.tar"
	tar -t -f "$tmp/data.tar" >"$tmp/members"
	# Every directory a member goes through must stay inside the root:
	# tar follows a directory symlink that is already there.
	sed -n 's|^\./||; s|/$||; s|/[^/]*$||p' "$tmp/members" | sort -u >"$tmp/dirs"
	links=()
	while IFS= read -r d; do
		st=0
		in_root 1 "$d" || st=$?
		[ "$st" -ne 2 ] || die "$name: /$d leads through an absolute symlink or out of the root; refusing to unpack it"
	done <"$tmp/dirs"
	# Two packages with the same file: dpkg needs Replaces; say so.
	while IFS= read -r m; do
		m=${m#./}
		case $m in */ | '') continue ;; esac
		case $m in bin/* | sbin/* | lib/* | lib64/*) m=usr/$m ;; esac
		if [ -n "${owner[$m]:-}" ]; then
			note "/$m is in both ${owner[$m]} and $name; $name's copy is kept"
		fi
		owner[$m]=$name
	done <"$tmp/members"
	tar -x -C "$root" -f "$tmp/data.tar" --keep-directory-symlink --no-overwrite-dir \
		--numeric-owner --same-permissions --warning=no-timestamp
	rm -f "$tmp/data.tar"
	# Maintainer scripts are not run: name what they do that is not replaced.
	c=$tmp/control
	mkdir "$c"
	dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$c" -f -
	kib=$(sed -n 's/^Installed-Size: *//p' "$c/control")
	debian_kib=$((debian_kib + ${kib:-0}))
	acts=$(cat "$c/preinst" "$c/postinst" 2>/dev/null |
		grep -oE '\b(adduser|addgroup|useradd|groupadd|systemd-sysusers|update-alternatives|dpkg-divert|dpkg-statoverride|setcap|systemd-tmpfiles|update-ca-certificates)\b' |
		sort -u | paste -sd' ' || true)
	[ -z "$acts" ] || note "$name's maintainer scripts run: $acts (not run here; see docs/packages.md)"
	if [ -f "$c/triggers" ]; then
		trig=$(grep -vE '^\s*(#|$)' "$c/triggers" | grep -vE '^activate(-noawait)?\s+ldconfig\s*$' | paste -sd';' || true)
		[ -z "$trig" ] || note "$name has triggers that are not run: $trig"
	fi
	grep -qE '^\./usr/lib/(sysusers|tmpfiles)\.d/.' "$tmp/members" &&
		note "$name ships sysusers.d/tmpfiles.d entries, which berth-init does not apply"
	rm -rf "$c"
done

# libc-bin's /etc/ld.so.conf (libc-bin itself is not in the closure):
# lets ldconfig and the loader read libc6's /etc/ld.so.conf.d.
if [ ! -e "$root/etc/ld.so.conf" ] && [ ! -L "$root/etc/ld.so.conf" ]; then
	mkdir -p "$root/etc"
	printf 'include /etc/ld.so.conf.d/*.conf\n' >"$root/etc/ld.so.conf"
fi
bytes1=$(file_bytes)

# Prune. Each line of prune.rules is a glob relative to the root (bash,
# globstar); "!GLOB" keeps what it matches, and the path leading to it.
# Paths are keyed by where they are in the root (symlinks in their parent
# resolved), so one file reached two ways counts once. Prints "FILES BYTES".
prune() {
	local rules=$1 line neg p pre key v nfiles=0 nbytes=0 t s path
	local -A del=() keep=()
	local -a m gone=() dirs=()
	shopt -s globstar nullglob dotglob
	cd "$root"
	links=()
	# canon REL: sets key to REL with its parent resolved inside the root;
	# status 1 when that leads through an absolute symlink (bash's globbing
	# followed it on the build host) or out of the root.
	canon() {
		local parent=''
		[[ $1 != */* ]] || parent=${1%/*}
		in_root 1 "$parent" || return 1
		key=${R%/}/${1##*/}
		key=${key#/}
	}
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		[ -n "$line" ] || continue
		neg=0
		if [[ $line == '!'* ]]; then
			neg=1
			line=${line#!}
		fi
		while [[ $line == /* ]]; do line=${line#/}; done
		case /$line/ in */../* | //) die "prune.rules: bad rule '$line'" ;; esac
		IFS=
		# shellcheck disable=SC2206 # pathname expansion is the point
		m=($line)
		IFS=$' \t\n'
		for p in ${m[@]+"${m[@]}"}; do
			p=${p%/}
			[ -e "$p" ] || [ -L "$p" ] || continue # a line without wildcards
			canon "$p" || continue
			if [ "$neg" = 1 ]; then
				# Keep the path and each directory or symlink leading to it.
				pre=$p
				while canon "$pre"; do
					keep[$key]=1
					[[ $pre == */* ]] || break
					pre=${pre%/*}
				done
			else
				while IFS= read -r -d '' t && IFS= read -r -d '' s && IFS= read -r -d '' path; do
					del[$path]="$t $s"
				done < <(find "$key" -printf '%y\0%s\0%p\0')
			fi
		done
	done <"$rules"
	# Deepest first, so that a directory is empty when its turn comes.
	while IFS= read -r -d '' path; do
		[ -z "${keep[$path]:-}" ] || continue
		v=${del[$path]}
		if [ "${v%% *}" = d ]; then
			dirs+=("$path")
		else
			gone+=("$path")
			nfiles=$((nfiles + 1))
			nbytes=$((nbytes + ${v#* }))
		fi
	done < <([ "${#del[@]}" -eq 0 ] || printf '%s\0' "${!del[@]}" | sort -rz)
	[ "${#gone[@]}" -eq 0 ] || printf '%s\0' "${gone[@]}" | xargs -0 rm -f --
	[ "${#dirs[@]}" -eq 0 ] || printf '%s\0' "${dirs[@]}" | xargs -0 rmdir --ignore-fail-on-non-empty --
	echo "$nfiles $nbytes"
}
read -r pruned_files pruned_bytes < <(prune "$BERTH_SRC/rootfs/prune.rules")
bytes2=$(file_bytes)

# libc6's ldconfig trigger: the loader cache (and any missing soname links).
had_aux=0
[ ! -e "$root/var/cache/ldconfig/aux-cache" ] || had_aux=1
ldconfig -i -r "$root"
[ "$had_aux" = 1 ] || rm -f "$root/var/cache/ldconfig/aux-cache"
# The x86-64 loader's path, /lib64/ld-linux-x86-64.so.2, must lead to it.
if [ -n "$(find "$root/usr/lib" "$root/usr/lib64" -maxdepth 2 -name 'ld-linux-x86-64.so.2' -print -quit)" ]; then
	links=()
	if ! in_root 0 /lib64/ld-linux-x86-64.so.2 || [ ! -f "$root$R" ]; then
		die "/lib64/ld-linux-x86-64.so.2 does not lead to the loader in the root"
	fi
fi

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "packages: ${#names[@]} (${names[*]})"
echo "installed: $((bytes1 - bytes0)) bytes ($(mib $((bytes1 - bytes0)))); Debian's Installed-Size: $debian_kib KiB"
echo "pruned: $pruned_files files, $pruned_bytes bytes ($(mib "$pruned_bytes"))"
echo "after prune: $((bytes2 - bytes0)) bytes ($(mib $((bytes2 - bytes0))))"
echo "lockfile: $lock_out"
