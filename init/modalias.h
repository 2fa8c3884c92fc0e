/*
 * Which kernel modules a device needs, from the text of modules.alias and
 * modules.dep as depmod writes them into the verified root: the pure part
 * of loading drivers for the devices present and for those that appear
 * later (no system calls here; tests/unit/test_modalias.c).
 */
#ifndef BERTH_MODALIAS_H
#define BERTH_MODALIAS_H

#include <stdbool.h>
#include <stddef.h>

/* The longest module name; the kernel's MODULE_NAME_LEN is 56 with its NUL. */
#define MODULE_NAME_MAX 55
/* The deepest dependency chain followed, the module itself included. */
#define MODDEP_MAX 32

/* Whether S matches shell glob P, as fnmatch(P, S, 0) for ASCII without character classes. */
bool glob_match(const char *p, const char *s);

/*
 * Calls FN(CTX, NAME) for each module of ALIASES ("alias PATTERN MODULE"
 * lines) whose PATTERN matches MODALIAS as a shell glob, in the file's
 * order. Returns how many matched, or the first negative FN returns.
 */
int modalias_each(const char *aliases, const char *modalias, int (*fn)(void *ctx, const char *name),
		  void *ctx);

/*
 * The files that load module NAME, from DEP ("FILE: DEPENDENCY..." lines),
 * in the order to load them: dependencies first, NAME's own file last.
 * Each is a pointer into DEP with its length. A file's module name is its
 * base name without ".ko" and a compression suffix, '-' read as '_'.
 * Returns how many, -ENOENT when NAME is not in DEP, -E2BIG past
 * MODDEP_MAX.
 */
int moddep_files(const char *dep, const char *name, const char *files[MODDEP_MAX],
		 size_t lens[MODDEP_MAX]);

/*
 * The module that FILE (LEN bytes, a path as modules.dep gives it) holds:
 * its base name without ".ko" and a compression suffix, '-' read as '_',
 * into NAME. 0, or -EINVAL when FILE is no module's file.
 */
int module_name(const char *file, size_t len, char name[MODULE_NAME_MAX + 1]);

/* What berth-init takes from a kernel uevent (NETLINK_KOBJECT_UEVENT). */
struct uevent {
	const char *action;    /* "add", "remove", ... */
	const char *subsystem; /* "pci", "net", ... ; "" when absent */
	const char *modalias;  /* "" when absent */
	const char *ifname;    /* INTERFACE= of a network device; "" when absent */
};

/*
 * MSG, LEN bytes of one kernel uevent ("ACTION@DEVPATH", then KEY=VALUE
 * strings, each NUL-terminated), into E: pointers into MSG. 0, or -EINVAL
 * when it is not one (udev's own messages start "libudev").
 */
int uevent_parse(const char *msg, size_t len, struct uevent *e);

#endif
