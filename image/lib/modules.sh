# Sourced by the modules and initramfs stages: kernel.modules' globs over
# the kernel's module paths, and the modules those depend on.

# modules_match GLOB...: of the module paths on stdin (relative to
# lib/modules/RELEASE/, such as kernel/drivers/nvme/host/nvme.ko), those a
# GLOB matches, each as "GLOB<tab>PATH" with the first GLOB that does. A
# glob is matched as fnmatch does without FNM_PATHNAME ('*' crosses '/')
# against the path under kernel/ without its .ko (and a compression's
# suffix), or with the .ko: drivers/nvme/*, drivers/scsi/sd_mod and
# drivers/scsi/sd_mod.ko all match kernel/drivers/scsi/sd_mod.ko.xz's kind.
modules_match() {
	local path stem g
	while IFS= read -r path; do
		stem=${path#kernel/}
		stem=${stem%.ko*}
		for g in "$@"; do
			# shellcheck disable=SC2053 # the glob is a pattern
			if [[ $stem == $g || $stem.ko == $g ]]; then
				printf '%s\t%s\n' "$g" "$path"
				break
			fi
		done
	done
}

# modules_closure KROOT RELEASE PATH...: the modules at those paths and
# those they depend on (modprobe --show-depends against KROOT: depmod's
# dependencies and the modules' soft dependencies), each once, in load
# order, as paths relative to KROOT/lib/modules/RELEASE/.
modules_closure() {
	local kroot=$1 release=$2
	shift 2
	[ "$#" -gt 0 ] || return 0
	local names=("${@##*/}")
	modprobe -a -d "$kroot" -S "$release" --show-depends "${names[@]%%.ko*}" |
		awk -v from="$kroot/lib/modules/$release/" \
			'$1 == "insmod" && index($2, from) == 1 && !seen[$2]++ { print substr($2, length(from) + 1) }'
}
