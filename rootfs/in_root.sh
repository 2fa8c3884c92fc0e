# shellcheck shell=bash disable=SC2154,SC2034 # `root` is the caller's, R is for it
# Sourced by the rootfs stage's scripts, which set `root` (an absolute path).
#
# in_root STRICT PATH: sets R to PATH resolved inside the root as the
# booted system would see it (absolute symlinks start again at the root),
# with a leading /. With STRICT=1 an absolute symlink or a ".." above the
# root is refused (status 2): on the build host those lead out of the root.
# Status 1: a symlink loop. Symlink targets are cached in `links` (cleared
# whenever the tree changes).
declare -A links=()
R=''
in_root() {
	local strict=$1 out='' comp target n=0 i=0
	local -a q t
	R=''
	IFS=/ read -ra q <<<"$2"
	while [ "$i" -lt "${#q[@]}" ]; do
		comp=${q[i]}
		i=$((i + 1))
		case $comp in
		'' | .) continue ;;
		..)
			[ -n "$out" ] || [ "$strict" = 0 ] || return 2
			out=${out%/*}
			continue
			;;
		esac
		if [ -z "${links[$out/$comp]+x}" ]; then
			links[$out/$comp]=''
			[ ! -L "$root$out/$comp" ] || links[$out/$comp]=$(readlink -- "$root$out/$comp")
		fi
		target=${links[$out/$comp]}
		if [ -n "$target" ]; then
			n=$((n + 1))
			[ "$n" -le 40 ] || return 1
			if [[ $target == /* ]]; then
				[ "$strict" = 0 ] || return 2
				out=''
			fi
			IFS=/ read -ra t <<<"$target"
			q=(${t[@]+"${t[@]}"} ${q[@]+"${q[@]:i}"})
			i=0
		else
			out=$out/$comp
		fi
	done
	R=${out:-/}
}
