/*
 * The manifest's rules for single values (manifest_rules.c). A check_
 * function returns why S is bad, or NULL; a parse_ function stores the
 * value at DST, or returns why it cannot. Where the device reads the value
 * too (names, update.compatible, update.health_deadline), the yes or no is
 * lib/contract.h's and only the reason is worked out here.
 */
#ifndef BERTH_MANIFEST_RULES_H
#define BERTH_MANIFEST_RULES_H

#include <stdbool.h>
#include <stdint.h>

#define MIB (1024ULL * 1024)

const char *mf_check_name(const char *s);	/* name_valid */
const char *mf_check_id(const char *s);		/* id_valid: a container's name, a channel */
const char *mf_check_compatible(const char *s); /* compatible_valid */
const char *mf_check_version(const char *s);
const char *mf_check_package(const char *s); /* a Debian package's name */
const char *mf_check_cmdline(const char *s);
const char *mf_check_hostname(const char *s);
const char *mf_check_tty(const char *s);
/* A value on a line of its own: an argv item, an SSH key; not empty, no control characters. */
const char *mf_check_line(const char *s);
const char *mf_check_env(const char *s); /* KEY=VALUE, a container's environment variable */
const char *mf_check_gpg_key(const char *s);
const char *mf_check_relative(const char *s); /* relative to the manifest's folder */
const char *mf_check_src(const char *s);      /* relative, and no ".." */
const char *mf_check_absolute(const char *s); /* absolute, no "..": a glob of paths in the image */
const char *mf_check_dst(const char *s);      /* absolute, no "..", "//", trailing '/' */
/* kernel.modules: a glob over module paths relative to the kernel's modules folder */
const char *mf_check_module_glob(const char *s);
bool mf_has_control(const char *s);

const char *mf_parse_deadline(const char *s, void *dst); /* health_deadline_parse: unsigned */
const char *mf_parse_mode(const char *s, void *dst);	 /* octal permission bits: unsigned */
const char *mf_parse_owner(const char *s, void *dst);	 /* UID:GID into struct manifest_file */
const char *mf_parse_bool(const char *s, void *dst);	 /* true or false: bool */
/* "64M", "1G", "4096K", "1048576" into *BYTES: why not, or NULL. */
const char *mf_size_reason(const char *s, uint64_t *bytes);

#endif
