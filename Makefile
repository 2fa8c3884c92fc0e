# berth: `make` builds the default image, `make test` runs every suite.
# Compiled programs go to build/, images to out/<manifest>/.

SHELL := /bin/bash
CC ?= gcc
MUSL_CC ?= musl-gcc
WARN := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HOST_CFLAGS := $(WARN) $(HARDEN) -O2 -g -Ilib -Iimage/manifest
HOST_LDFLAGS := -pie -Wl,-z,relro,-z,now
# Device binaries: static musl, small. Nothing unwinds the stack at run
# time, so no .eh_frame (8 KB of berth-init).
# musl has no kernel UAPI headers of its own: use Debian's (linux-libc-dev).
DEV_CFLAGS := $(WARN) -Os -fstack-protector-strong -static -Ilib -isystem build/kernel-headers \
	-fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections
DEV_LDFLAGS := -static -Wl,--gc-sections -s
SAN_CFLAGS := $(WARN) -O1 -g -Ilib -Iimage/manifest -Iimage -Iinit -Iupdater -Iinstaller -Iprovision -Icontainer -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BERTH_CACHE ?= /var/cache/berth
export BERTH_CACHE

# lib/ is what two programs or more share; the linker keeps what each uses.
LIB_SRC := $(wildcard lib/*.c)
# init/: two PID 1 programs, each with its own main: berth-stage1 (stage1.c)
# in the initramfs, berth-init (main.c) on the verified root.
INIT_SRC := $(filter-out init/stage1.c,$(wildcard init/*.c)) $(LIB_SRC)
STAGE1_SRC := $(filter-out init/main.c,$(wildcard init/*.c)) $(LIB_SRC)
BERTH_SRC := $(wildcard image/*.c image/manifest/*.c) $(LIB_SRC)
UPDATE_SRC := $(wildcard updater/*.c) $(LIB_SRC)
INSTALL_SRC := $(wildcard installer/*.c) $(LIB_SRC)
CONTAINER_SRC := $(wildcard container/*.c) $(LIB_SRC)
# berth-provision checks user data with the manifest's walker, its network:
# and channel tables and the build's writers of network.conf, containers.conf
# and channel.conf.
PROVISION_SRC := $(wildcard provision/*.c) image/conffiles.c \
	image/manifest/manifest_walk.c image/manifest/manifest_rules.c \
	image/manifest/manifest_network.c image/manifest/manifest_provision.c \
	image/manifest/manifest_channel.c $(LIB_SRC)
UNIT_TESTS := $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps programs run test unit test-long bench format clean test-keys
all: deps programs out/default/disk.raw

# The default image in QEMU, its demonstration service's port forwarded (docs/run.md).
run: all
	./build/berth run out/default

deps:
	@./image/deps.sh

programs: build/berth build/berth-init build/berth-stage1 build/berth-update build/berth-install \
	build/berth-provision build/berth-container

build/berth: $(BERTH_SRC) $(wildcard image/*.h image/manifest/*.h lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $(BERTH_SRC) $(HOST_LDFLAGS) -lyaml -larchive -lsodium -ljansson

build/kernel-headers:
	@mkdir -p $@
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/asm-generic $@/asm-generic
	ln -sfn /usr/include/$$(gcc -dumpmachine)/asm $@/asm

build/berth-init: $(INIT_SRC) $(wildcard init/*.h lib/*.h) | build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -o $@ $(INIT_SRC) $(DEV_LDFLAGS)

build/berth-stage1: $(STAGE1_SRC) $(wildcard init/*.h lib/*.h) | build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -o $@ $(STAGE1_SRC) $(DEV_LDFLAGS)

# What berth-init's children run: containers, their probes, logs (container/main.c).
build/berth-container: $(CONTAINER_SRC) $(wildcard container/*.h lib/*.h) | build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -Icontainer -o $@ $(CONTAINER_SRC) $(DEV_LDFLAGS)

# Stage 1 starts it for the ESP's "Install to disk" entry; only the initramfs carries it.
build/berth-install: $(INSTALL_SRC) $(wildcard installer/*.h lib/*.h) | build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -Iinstaller -o $@ $(INSTALL_SRC) $(DEV_LDFLAGS)

# libsodium built with musl for berth-update (updater/libsodium.sh): a link to
# its prefix in $(BERTH_CACHE), with include/ and lib/libsodium.a. The touch
# dates the prefix (make follows the link), so the rule does not run again
# until the script changes; `rm build/libsodium-musl` picks up a newer Debian
# version.
build/libsodium-musl: updater/libsodium.sh image/lib/apt.sh image/lib/musl-source.sh | build/kernel-headers
	@mkdir -p $(@D)
	@prefix=$$(BERTH_SRC=$(CURDIR) ./updater/libsodium.sh | tail -n 1) && \
		ln -sfn "$$prefix" $@ && touch $@

build/berth-update: $(UPDATE_SRC) $(wildcard updater/*.h lib/*.h) build/libsodium-musl \
		| build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -Iupdater -Ibuild/libsodium-musl/include -o $@ $(UPDATE_SRC) \
		build/libsodium-musl/lib/libsodium.a $(DEV_LDFLAGS)

# libyaml built with musl for berth-provision (provision/libyaml.sh), as
# build/libsodium-musl is for berth-update.
build/libyaml-musl: provision/libyaml.sh image/lib/apt.sh image/lib/musl-source.sh | build/kernel-headers
	@mkdir -p $(@D)
	@prefix=$$(BERTH_SRC=$(CURDIR) ./provision/libyaml.sh | tail -n 1) && \
		ln -sfn "$$prefix" $@ && touch $@

build/berth-provision: $(PROVISION_SRC) $(wildcard provision/*.h image/*.h \
		image/manifest/*.h lib/*.h) build/libyaml-musl | build/kernel-headers
	@mkdir -p $(@D)
	$(MUSL_CC) $(DEV_CFLAGS) -Iprovision -Iimage -Iimage/manifest \
		-Ibuild/libyaml-musl/include -o $@ $(PROVISION_SRC) \
		build/libyaml-musl/lib/libyaml.a $(DEV_LDFLAGS)

# Each unit test links the library files it names in its first line:
#   /* unit: lib/cmdline.c lib/errf.c */
build/unit/%: tests/unit/%.c $(wildcard lib/*.c lib/*.h init/*.c init/*.h image/*.c image/*.h \
		container/*.c container/*.h \
		image/manifest/*.c image/manifest/*.h updater/*.c updater/*.h installer/*.c installer/*.h \
		provision/*.c provision/*.h tests/unit/*.h \
		tests/unit/*.c)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -Itests/unit -o $@ $< $$(sed -n '1s|^/\* unit: \(.*\) \*/$$|\1|p' $<)

# A power cut part-way through the data partition's growth (tests/e2e/test_grow.py).
build/growcut: tests/e2e/growcut.c init/gptgrow.c init/gptgrow.h lib/gpt.c lib/gpt.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iinit -o $@ tests/e2e/growcut.c init/gptgrow.c lib/gpt.c $(HOST_LDFLAGS)

# git keeps no modes but the executable bit, and berth refuses a secret key
# that group or others can read: the test keys are made their owner's alone.
test-keys:
	chmod 600 tests/manifests/keys/*.key

out/%/disk.raw: build/berth build/berth-init build/berth-stage1 build/berth-update \
		build/berth-install build/berth-provision build/berth-container FORCE | test-keys
	./build/berth build $(or $(wildcard manifests/$*.yaml),tests/manifests/$*.yaml) --out out/$*

# manifests/keys links to the published test keys, outside manifests/: a
# build reads keys there only from the folder its operator names.
out/minimal/disk.raw: export BERTH_KEYS := $(CURDIR)/tests/manifests/keys

# The test service's OCI archive: the default image's demonstration service,
# and what tests/manifests/containerd.yaml runs.
out/default/disk.raw: manifests/images/hello.tar
out/containerd/disk.raw: tests/manifests/images/hello.tar
out/rollback-base/disk.raw out/rollback-unhealthy/disk.raw: tests/manifests/images/hello.tar
out/bench/disk.raw out/bench-crun/disk.raw: tests/manifests/images/hello.tar
# The last release that imported its images into containerd at boot, built by its own berth.
out/import-era/disk.raw: tests/build/import-era.sh
	./tests/build/import-era.sh out/import-era
%/images/hello.tar: tests/service/hello.c tests/service/pack.sh
	@mkdir -p $(@D)
	./tests/service/pack.sh $@

unit: $(UNIT_TESTS)

TEST_IMAGES := out/default/disk.raw out/test/disk.raw out/network/disk.raw out/containerd/disk.raw \
	out/test-v2/disk.raw out/rollback-base/disk.raw out/rollback-unhealthy/disk.raw \
	out/rollback-noinit/disk.raw out/secureboot/disk.raw out/small-kernel/disk.raw out/minimal/disk.raw \
	out/import-era/disk.raw

# Two image builds at a time, one per core (builds share the cache and the history under locks).
test: deps programs unit build/growcut
	$(MAKE) -j2 $(TEST_IMAGES)
	@./tests/run.sh

# The fleet figures of make bench (bench/fleet.c): the decision code machines run, on the host.
FLEET_SRC := bench/fleet.c lib/channel.c lib/words.c lib/rollout.c lib/version.c lib/http.c lib/clock.c \
	lib/errf.c lib/contract.c updater/fetch.c updater/log.c
build/bench-fleet: $(FLEET_SRC) $(wildcard lib/*.h updater/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Iupdater -o $@ $(FLEET_SRC) $(HOST_LDFLAGS) -lsodium

# berth beside a Debian container host built in the same run (docs/bench.md):
# bench/results.md and bench/results.json. The baseline boots berth's kernel.
out/baseline/disk.raw: bench/baseline.sh $(shell find bench/baseline -type f) $(wildcard image/lib/*.sh) \
		image/mkesp.sh tests/manifests/images/hello.tar tests/manifests/files/motd \
		$(wildcard out/bench/work/kernel/vmlinuz) | out/bench/disk.raw
	./bench/baseline.sh out/bench/work/kernel out/baseline

bench: deps programs build/bench-fleet out/default/disk.raw out/bench/disk.raw \
		out/bench-crun/disk.raw out/baseline/disk.raw
	./bench/run.py

# The same suites with the long loops long: 50 power cuts, 10 minutes of fuzzing.
test-long:
	BERTH_POWER_CUTS=50 BERTH_FUZZ_SECONDS=600 $(MAKE) test

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build out

FORCE:
