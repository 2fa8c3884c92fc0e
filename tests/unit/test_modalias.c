/* unit: init/modalias.c */
/*
 * Drivers by modalias (init/modalias.c) on lines as Debian's depmod writes
 * them: QEMU's e1000e and NVMe controllers, virtio, a USB storage stick.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "modalias.h"

static const char aliases[] = "# Aliases extracted from modules themselves.\n"
			      "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n"
			      "alias pci:v00008086d00001502sv*sd*bc*sc*i* e1000e\n"
			      "alias pci:v*d*sv*sd*bc01sc08i02* nvme\n"
			      "alias virtio:d00000001v* virtio_net\n"
			      "alias virtio:d00000002v* virtio_blk\n"
			      "alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage\n"
			      "alias usb:v*p*d*dc*dsc*dp*ic08isc0[1-6]ip50in* uas\n"
			      "alias pci:v*d*sv*sd*bc01sc08i02* nvme_twin\n"
			      "alias too many words here\n"
			      "alias nomodule\n"
			      "softdep foo pre: bar\n";

static char got[8][MODULE_NAME_MAX + 1];
static int n_got;

static int collect(void *ctx, const char *name)
{
	(void)ctx;
	if (n_got < 8)
		snprintf(got[n_got++], sizeof(got[0]), "%s", name);
	return 0;
}

static int stop(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return -EINTR;
}

static int matches(const char *modalias)
{
	n_got = 0;
	return modalias_each(aliases, modalias, collect, NULL);
}

static void test_aliases(void)
{
	CHECK(matches("pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00") == 1 &&
		  !strcmp(got[0], "e1000e"),
	      "QEMU's e1000e: e1000e");
	CHECK(matches("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02") == 2 &&
		  !strcmp(got[0], "nvme") && !strcmp(got[1], "nvme_twin"),
	      "an NVMe controller by its class: every module that claims it, in order");
	CHECK(matches("virtio:d00000001v00001AF4") == 1 && !strcmp(got[0], "virtio_net"),
	      "a virtio NIC: virtio_net");
	CHECK(matches("usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00") == 2 &&
		  !strcmp(got[0], "usb_storage") && !strcmp(got[1], "uas"),
	      "a USB stick: usb_storage, and uas through a [1-6] class");
	CHECK(matches("pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00") == 0,
	      "QEMU's display: no module");
	CHECK(matches("") == 0, "an empty modalias: none");
	CHECK(modalias_each(aliases, "virtio:d00000002v00001AF4", stop, NULL) == -EINTR,
	      "the callback's error stops the walk");
	CHECK(modalias_each("alias virtio:d00000002v* virtio_blk", "virtio:d00000002v00001AF4",
			    collect, NULL) == 1,
	      "a last line without a newline");
}

/* glob_match against the C library's fnmatch, on the shapes modules.alias uses and edge cases. */
static void test_glob(void)
{
	static const char *const patterns[] = {"pci:v00008086d000010D3sv*sd*bc*sc*i*",
					       "usb:v*p*d*dc*dsc*dp*ic08isc0[1-6]ip50in*",
					       "*",
					       "",
					       "?",
					       "a*b*c",
					       "a*",
					       "*a",
					       "[!a]x",
					       "[^a]x",
					       "[]]",
					       "[]a]x",
					       "[a-]",
					       "[",
					       "a[",
					       "[a-c-e]",
					       "\\*",
					       "a\\",
					       "**b",
					       "x?z*",
					       "acpi*:PNP0C0C:*",
					       "[z-a]"};
	static const char *const strings[] = {
	    "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00",
	    "usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00",
	    "usb:v0781p5567d0100dc00dsc00dp00ic08isc07ip50in00",
	    "",
	    "a",
	    "b",
	    "ax",
	    "bx",
	    "]",
	    "ax-",
	    "-",
	    "[",
	    "a[",
	    "d",
	    "*",
	    "a\\",
	    "abc",
	    "aXbYc",
	    "acb",
	    "xyz",
	    "xyzw",
	    "acpi:PNP0C0C:",
	    "z"};
	int wrong = 0;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		for (size_t j = 0; j < sizeof(strings) / sizeof(strings[0]); j++)
			if (glob_match(patterns[i], strings[j]) !=
			    (fnmatch(patterns[i], strings[j], 0) == 0)) {
				printf("  glob_match(\"%s\", \"%s\") differs from fnmatch\n",
				       patterns[i], strings[j]);
				wrong++;
			}
	CHECK(wrong == 0, "glob_match agrees with fnmatch on every pattern and string");
	CHECK(glob_match("usb:v*ic08isc0[1-6]ip50in*", "usb:v1ic08isc06ip50in00") &&
		  !glob_match("usb:v*ic08isc0[1-6]ip50in*", "usb:v1ic08isc07ip50in00"),
	      "a range in a set");
}

static void test_names(void)
{
	char name[MODULE_NAME_MAX + 1];
	const char *f = "kernel/drivers/usb/storage/usb-storage.ko.xz";

	CHECK(module_name(f, strlen(f), name) == 0 && !strcmp(name, "usb_storage"),
	      "usb-storage.ko.xz holds usb_storage");
	CHECK(module_name("a/b.o", 5, name) == -EINVAL, "not a .ko");
	CHECK(module_name("a/.ko", 5, name) == -EINVAL, "no name before .ko");
	CHECK(module_name("x.kox", 5, name) == -EINVAL, ".kox is not .ko");
}

static const char dep[] =
    "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko: kernel/drivers/ptp/ptp.ko "
    "kernel/drivers/pps/pps_core.ko\n"
    "kernel/drivers/ptp/ptp.ko: kernel/drivers/pps/pps_core.ko\n"
    "kernel/drivers/pps/pps_core.ko:\n"
    "kernel/drivers/usb/storage/usb-storage.ko.xz: kernel/drivers/scsi/scsi_mod.ko.xz\n"
    "kernel/drivers/nvme/host/nvme.ko.zst: kernel/drivers/nvme/host/nvme-core.ko.zst";

static bool file_is(const char *f, size_t len, const char *want)
{
	return len == strlen(want) && !strncmp(f, want, len);
}

static void test_deps(void)
{
	const char *files[MODDEP_MAX];
	size_t lens[MODDEP_MAX];

	CHECK(moddep_files(dep, "e1000e", files, lens) == 3 &&
		  file_is(files[0], lens[0], "kernel/drivers/pps/pps_core.ko") &&
		  file_is(files[1], lens[1], "kernel/drivers/ptp/ptp.ko") &&
		  file_is(files[2], lens[2], "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko"),
	      "e1000e: pps_core, ptp, then e1000e (depmod's list read from its end)");
	CHECK(moddep_files(dep, "pps_core", files, lens) == 1 &&
		  file_is(files[0], lens[0], "kernel/drivers/pps/pps_core.ko"),
	      "a module without dependencies: its own file");
	CHECK(moddep_files(dep, "usb_storage", files, lens) == 2 &&
		  file_is(files[1], lens[1], "kernel/drivers/usb/storage/usb-storage.ko.xz"),
	      "usb-storage.ko.xz is the module usb_storage");
	CHECK(moddep_files(dep, "nvme", files, lens) == 2 &&
		  file_is(files[0], lens[0], "kernel/drivers/nvme/host/nvme-core.ko.zst"),
	      "nvme, not nvme-core: a last line without a newline");
	CHECK(moddep_files(dep, "nvme_cor", files, lens) == -ENOENT, "a prefix is not the module");
	CHECK(moddep_files(dep, "ptp.ko", files, lens) == -ENOENT,
	      "the file name is not the module");
	CHECK(moddep_files("broken line\n", "broken", files, lens) == -ENOENT,
	      "a line without a colon");

	static char deep[MODDEP_MAX * 16 + 64];
	size_t at = (size_t)snprintf(deep, sizeof(deep), "top.ko:");
	for (int i = 0; i < MODDEP_MAX; i++)
		at += (size_t)snprintf(deep + at, sizeof(deep) - at, " d%d.ko", i);
	CHECK(moddep_files(deep, "top", files, lens) == -E2BIG, "deeper than MODDEP_MAX: refused");
}

static void test_uevents(void)
{
	static const char add[] =
	    "add@/devices/pci0000:00/0000:00:05.0\0ACTION=add\0"
	    "DEVPATH=/devices/pci0000:00/0000:00:05.0\0SUBSYSTEM=pci\0"
	    "MODALIAS=pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00\0SEQNUM="
	    "1234\0";
	static const char net[] = "add@/devices/pci0000:00/0000:00:05.0/net/eth1\0ACTION=add\0"
				  "SUBSYSTEM=net\0INTERFACE=eth1\0IFINDEX=3\0";
	static const char udev[] = "libudev\0\xfe\xed\xca\xfe";
	struct uevent e;

	CHECK(uevent_parse(add, sizeof(add), &e) == 0 && !strcmp(e.action, "add") &&
		  !strcmp(e.subsystem, "pci") &&
		  !strcmp(e.modalias, "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00") &&
		  !*e.ifname,
	      "a PCI device added: its modalias");
	CHECK(uevent_parse(net, sizeof(net), &e) == 0 && !strcmp(e.subsystem, "net") &&
		  !strcmp(e.ifname, "eth1") && !*e.modalias,
	      "a network interface added: its name");
	CHECK(uevent_parse(udev, sizeof(udev), &e) == -EINVAL,
	      "udev's own message: not the kernel's");
	CHECK(uevent_parse(add, sizeof(add) - 2, &e) == -EINVAL, "a last string without its NUL");
	CHECK(uevent_parse("add@/x\0SUBSYSTEM=pci", 21, &e) == -EINVAL, "no ACTION=");
	CHECK(uevent_parse("", 0, &e) == -EINVAL, "empty");
}

int main(void)
{
	test_glob();
	test_aliases();
	test_names();
	test_deps();
	test_uevents();
	return CHECK_DONE();
}
