#!/bin/bash
# The shared-library closure of a root file system tree, checked against the
# tree itself and never against the build host's libraries:
#
#   tests/rootfs/closure.sh ROOT [PROGRAM...]
#
# For every ELF file under ROOT: its interpreter (PT_INTERP) and each
# DT_NEEDED library must be found inside ROOT the way the loader would look
# for them (DT_RUNPATH, or else DT_RPATH, with $ORIGIN; then the directories
# of ROOT's /etc/ld.so.conf; then /lib/x86_64-linux-gnu,
# /usr/lib/x86_64-linux-gnu, /lib, /usr/lib), following symlinks inside ROOT
# (an absolute symlink starts again at ROOT; the root's own BusyBox
# resolves them, so ROOT must be a berth root), and be an ELF of the same class
# and machine. Each PROGRAM (default: containerd runc; "-" for none) must be
# an executable file in one of ROOT's PATH directories.
#
# Prints "ok - closure: ..." or "FAIL - closure: ..." lines and exits 0:
# tests/run.sh counts the lines.
set -uo pipefail
export LC_ALL=C

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "FAIL - closure: root '${1:-}' is not a directory"
	exit 0
fi
root=$(realpath -e -- "$1")
shift
programs=(containerd runc)
[ $# -eq 0 ] || programs=("$@")
[ "${programs[*]}" != - ] || programs=()

# in_root PATH: sets R to the absolute PATH resolved inside the root by the
# root's own BusyBox realpath (so absolute symlinks start again at ROOT);
# status 1 when it does not exist there. Cached.
declare -A resolved=()
R=''
in_root() {
	if [ -z "${resolved[$1]+x}" ]; then
		R=$(chroot "$root" /usr/bin/busybox realpath "$1" 2>/dev/null) || R=''
		[ -n "$R" ] && [ -e "$root$R" ] || R=''
		resolved[$1]=$R
	fi
	R=${resolved[$1]}
	[ -n "$R" ]
}

# ELF facts, from one readelf run over many files: kind ("ELF64
# Advanced Micro Devices X86-64"), interpreter, RUNPATH, RPATH, NEEDED
# (separated by \x1f), keyed by the path inside the root. Fields travel
# separated by \x1e: a tab would merge empty fields in `read`.
declare -A kind=() interp=() runpath=() rpath=() needed=()
US=$'\x1f' RS=$'\x1e'
readelf_batch() {
	local -a files=("$@")
	local path k i r p n
	# With one file readelf prints no "File:" line: give it twice.
	[ "${#files[@]}" -ne 1 ] || files+=("${files[0]}")
	while IFS=$RS read -r path k i r p n; do
		path=/${path#"$root"/}
		kind[$path]=$k interp[$path]=$i runpath[$path]=$r rpath[$path]=$p needed[$path]=$n
	done < <(readelf -hldW -- "${files[@]}" 2>/dev/null | awk -v US="$US" -v RS_="$RS" '
		function trim(s) { gsub(/^ +| +$/, "", s); return s }
		function flush() {
			if (file != "") print file RS_ class " " machine RS_ interp RS_ runpath RS_ rpath RS_ needed
			class = machine = interp = runpath = rpath = needed = ""
		}
		/^File: / { flush(); file = substr($0, 7); next }
		/^ *Class:/ { sub(/^ *Class:/, ""); class = trim($0); next }
		/^ *Machine:/ { sub(/^ *Machine:/, ""); machine = trim($0); next }
		/\[Requesting program interpreter: / {
			s = $0; sub(/.*\[Requesting program interpreter: /, "", s); sub(/\]$/, "", s); interp = s; next }
		/\(NEEDED\)/ { s = $0; sub(/.*Shared library: \[/, "", s); sub(/\]$/, "", s)
			needed = needed == "" ? s : needed US s; next }
		/\(RUNPATH\)/ { s = $0; sub(/.*Library runpath: \[/, "", s); sub(/\]$/, "", s); runpath = s; next }
		/\(RPATH\)/ { s = $0; sub(/.*Library rpath: \[/, "", s); sub(/\]$/, "", s); rpath = s; next }
		END { flush() }')
}

# elf_kind PATH (resolved, inside the root): sets K.
K=''
elf_kind() {
	[ -n "${kind[$1]+x}" ] || readelf_batch "$root$1"
	K=${kind[$1]:-}
}

# The directories named by ROOT's /etc/ld.so.conf (and what it includes).
conf_dirs=()
declare -A conf_seen=()
read_conf() {
	local file=$1 line word pattern dir f
	local -a words
	[ -z "${conf_seen[$file]:-}" ] || return 0
	conf_seen[$file]=1
	in_root "$file" || return 0
	f=$R
	[ -f "$root$f" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		read -ra words <<<"${line//[,:]/ }"
		[ "${#words[@]}" -gt 0 ] || continue
		case ${words[0]} in
		include)
			for pattern in "${words[@]:1}"; do
				[[ $pattern == /* ]] || pattern=${file%/*}/$pattern
				in_root "${pattern%/*}" || continue
				dir=$R
				for f in "$root$dir"/${pattern##*/}; do
					[ -e "$f" ] && read_conf "$dir/${f##*/}"
				done
			done
			;;
		hwcap) ;;
		*)
			for word in "${words[@]}"; do
				conf_dirs+=("${word%%=*}")
			done
			;;
		esac
	done <"$root$f"
}
read_conf /etc/ld.so.conf
default_dirs=(/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib)

# find_lib NAME KIND ORIGIN DIR...: whether the loader finds NAME.
find_lib() {
	local name=$1 want=$2 origin=$3 dir
	shift 3
	if [[ $name == */* ]]; then
		in_root "$name" && [ -f "$root$R" ] && elf_kind "$R" && [ "$K" = "$want" ]
		return
	fi
	for dir in "$@"; do
		# shellcheck disable=SC2016 # the loader's own $ORIGIN, $LIB, $PLATFORM
		dir=${dir//'${ORIGIN}'/$origin} dir=${dir//'$ORIGIN'/$origin} \
			dir=${dir//'${LIB}'/lib/x86_64-linux-gnu} dir=${dir//'$LIB'/lib/x86_64-linux-gnu} \
			dir=${dir//'${PLATFORM}'/x86_64} dir=${dir//'$PLATFORM'/x86_64}
		[[ $dir == /* ]] || continue # relative entries follow the cwd: not usable
		in_root "$dir/$name" || continue
		[ -f "$root$R" ] || continue
		elf_kind "$R"
		[ "$K" != "$want" ] || return 0
	done
	return 1
}

# Every regular file that starts with the ELF magic.
elves=()
while IFS= read -r -d '' f; do
	magic=''
	IFS= read -r -N 4 magic <"$f" 2>/dev/null
	[ "$magic" != $'\x7fELF' ] || elves+=("$f")
done < <(find "$root" -type f -print0 | sort -z)
[ "${#elves[@]}" -gt 0 ] || echo "FAIL - closure: no ELF files under $root"
for ((i = 0; i < ${#elves[@]}; i += 256)); do
	readelf_batch "${elves[@]:i:256}"
done

for f in ${elves[@]+"${elves[@]}"}; do
	rel=${f#"$root"/}
	if [ -z "${kind[/$rel]:-}" ]; then
		echo "FAIL - closure: $rel: readelf cannot read it"
		continue
	fi
	path=${runpath[/$rel]:-${rpath[/$rel]:-}}
	IFS=: read -ra own <<<"$path"
	IFS=$US read -ra libs <<<"${needed[/$rel]}"
	origin=/${rel%/*}
	[[ $rel == */* ]] || origin=/
	missing=()
	if [ -n "${interp[/$rel]}" ]; then
		in_root "${interp[/$rel]}" && [ -f "$root$R" ] || missing+=("interpreter ${interp[/$rel]}")
	fi
	for lib in ${libs[@]+"${libs[@]}"}; do
		find_lib "$lib" "${kind[/$rel]}" "$origin" ${own[@]+"${own[@]}"} \
			${conf_dirs[@]+"${conf_dirs[@]}"} "${default_dirs[@]}" || missing+=("$lib")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "ok - closure: $rel"
	else
		echo "FAIL - closure: $rel: missing ${missing[*]}"
	fi
done

for prog in ${programs[@]+"${programs[@]}"}; do
	found=''
	for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		if in_root "$dir/$prog" && [ -f "$root$R" ] && [ -x "$root$R" ]; then
			found=$dir/$prog
			break
		fi
	done
	if [ -n "$found" ]; then
		echo "ok - closure: $prog present ($found)"
	else
		echo "FAIL - closure: $prog is not in the root's PATH"
	fi
done
exit 0
