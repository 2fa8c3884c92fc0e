#!/bin/bash
# Builds the libFuzzer targets into build/fuzz/ (clang, with ASan and UBSan)
# and runs each for a bounded time from its committed seed corpus
# (tests/fuzz/corpus/<target>/; new inputs go to build/fuzz/corpus/, not
# into the tree). One "ok - " or "FAIL - " line per target; a crash leaves
# its input in build/fuzz/. Always exits 0: tests/run.sh counts the lines.
set -u
cd "$(dirname "$0")/../.."
seconds=${BERTH_FUZZ_SECONDS:-5}
out=build/fuzz
mkdir -p "$out"

if ! command -v clang >/dev/null; then
	echo "FAIL - fuzz: clang is not installed (image/deps.sh)"
	exit 0
fi

# NAME ARGS...: the target tests/fuzz/fuzz_NAME.c with the files it fuzzes (and flags).
fuzz() {
	local name=$1 bin=$out/fuzz_$1 log=$out/fuzz_$1.log runs
	shift
	if ! clang -g -O1 -std=gnu11 -Wall -Wextra -Werror -Ilib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o "$bin" "tests/fuzz/fuzz_$name.c" "$@" >"$log" 2>&1; then
		echo "FAIL - fuzz: $name parser does not build:"
		cat "$log"
		return
	fi
	mkdir -p "$out/corpus/$name"
	if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$out/$name-" \
		"$out/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		echo "FAIL - fuzz: $name parser: crash (input in $out/$name-*):"
		grep -E '^==[0-9]+==|SUMMARY|runtime error' "$log" | head -n 20
		return
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "ok - fuzz: $name parser, ${runs:-?} runs, no crash"
}

fuzz bundle lib/bundle.c lib/words.c lib/version.c lib/contract.c lib/errf.c
fuzz gpt -Iinit lib/gpt.c init/gptgrow.c -lz
fuzz bootdisk lib/bootdisk.c lib/efivar.c lib/fileio.c
fuzz modalias -Iinit init/modalias.c
fuzz install -Iinstaller installer/plan.c lib/gpt.c lib/cmdline.c lib/errf.c
fuzz pe -Iupdater updater/pe.c
fuzz cmdline lib/cmdline.c lib/errf.c
fuzz channel lib/channel.c lib/words.c lib/contract.c lib/errf.c lib/version.c
fuzz conf -Iinit lib/ctrconf.c init/netconf.c lib/updateconf.c lib/channelconf.c lib/contract.c \
	lib/errf.c
fuzz manifest -Iimage/manifest image/manifest/*.c lib/*.c -lyaml -larchive -lsodium
fuzz provision -Iprovision -Iinit -Iimage -Iimage/manifest provision/conf.c provision/label.c \
	provision/metadata.c image/conffiles.c init/netconf.c image/manifest/*.c \
	lib/*.c -lyaml -larchive -lsodium
fuzz http -Iprovision -Iimage -Iimage/manifest provision/cloud.c \
	provision/metadata.c image/manifest/manifest_walk.c image/manifest/manifest_rules.c \
	lib/*.c -lyaml -larchive -lsodium
exit 0
