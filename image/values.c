/*
 * The values stages are given (see values.h): most are the manifest's, as
 * they are or as paths; some berth computes, once, for every stage that
 * needs them: the derived UUIDs, the UKIs' kernel command lines, the boot
 * entry's file name, the root hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "derive.h"
#include "entry.h"
#include "fileio.h"
#include "gentree.h"
#include "modset.h"
#include "run.h"
#include "util.h"
#include "values.h"

#define M (b->m)
#define FIELD(f) offsetof(struct manifest, f)
#define CTX(f) offsetof(struct build_ctx, f)

static int put(FILE *out, const char *s)
{
	fputs(s, out);
	return 0;
}

/* The manifest's text field V->field. */
static int text(const struct build_ctx *b, const struct value *v, FILE *out)
{
	return put(out, (const char *)M + v->field);
}

/* The manifest's size field V->field, in bytes. */
static int size(const struct build_ctx *b, const struct value *v, FILE *out)
{
	uint64_t bytes;

	memcpy(&bytes, (const char *)M + v->field, sizeof(bytes));
	fprintf(out, "%" PRIu64, bytes);
	return 0;
}

/* The manifest's unsigned field V->field, in decimal. */
static int number(const struct build_ctx *b, const struct value *v, FILE *out)
{
	unsigned n;

	memcpy(&n, (const char *)M + v->field, sizeof(n));
	fprintf(out, "%u", n);
	return 0;
}

/*
 * The manifest's path V->field (relative to its folder) with the suffix
 * V->arg, absolute; "" stays "".
 */
static int manifest_path(const struct build_ctx *b, const struct value *v, FILE *out)
{
	const char *rel = (const char *)M + v->field;

	if (rel[0])
		fprintf(out, "%s/%s%s", b->manifest_dir, rel, v->arg ? v->arg : "");
	return 0;
}

static int constant(const struct build_ctx *b, const struct value *v, FILE *out)
{
	(void)b;
	return put(out, v->arg);
}

/* berth's own text field V->field (of struct build_ctx). */
static int ctx(const struct build_ctx *b, const struct value *v, FILE *out)
{
	return put(out, (const char *)b + v->field);
}

/* Debian package names hold no spaces. */
static int packages(const struct build_ctx *b, const struct value *v, FILE *out)
{
	(void)v;
	for (size_t i = 0; i < M->rootfs.n_packages; i++)
		fprintf(out, "%s%s", i ? " " : "", M->rootfs.packages[i]);
	return 0;
}

/* kernel.modules, one glob a line; without the key, the default set's (V->arg). */
static int modules(const struct build_ctx *b, const struct value *v, FILE *out)
{
	char path[PATH_MAX], err[PATH_MAX + 256];

	if (M->kernel.modules_given) {
		for (size_t i = 0; i < M->kernel.n_modules; i++)
			fprintf(out, "%s\n", M->kernel.modules[i]);
		return 0;
	}
	if (pathf(path, sizeof(path), "%s/%s", b->src, v->arg) < 0) {
		say("%s: %s", b->src, strerror(ENAMETOOLONG));
		return -1;
	}
	if (modset_read(path, out, err, sizeof(err)) < 0) {
		say("the default kernel.modules set: %s", err);
		return -1;
	}
	return 0;
}

/* disk.formats but raw (disk.raw is always written), in the manifest's order. */
static int formats(const struct build_ctx *b, const struct value *v, FILE *out)
{
	const char *sep = "";

	(void)v;
	for (size_t i = 0; i < M->disk.n_formats; i++) {
		if (strcmp(M->disk.formats[i], "raw")) {
			fprintf(out, "%s%s", sep, M->disk.formats[i]);
			sep = " ";
		}
	}
	return 0;
}

static int uuid(const struct build_ctx *b, const struct value *v, FILE *out)
{
	char uuid[CMDLINE_UUID_LEN + 1];

	derive_uuid(M->name, v->arg, uuid);
	return put(out, uuid);
}

static int verity_salt(const struct build_ctx *b, const struct value *v, FILE *out)
{
	char salt[65];

	(void)v;
	derive_salt(M->name, M->update.compatible, salt);
	return put(out, salt);
}

static int install_list(const struct build_ctx *b, const struct value *v, FILE *out)
{
	char path[PATH_MAX];

	(void)v;
	return gentree_install_list(b, path, sizeof(path)) < 0 ? -1 : put(out, path);
}

static int remove_list(const struct build_ctx *b, const struct value *v, FILE *out)
{
	char path[PATH_MAX];

	(void)v;
	return gentree_remove_list(b, path, sizeof(path)) < 0 ? -1 : put(out, path);
}

/* work/V->arg, which the bundle packs; "" without a key to sign it with. */
static int payload(const struct build_ctx *b, const struct value *v, FILE *out)
{
	if (M->update.signing_key[0])
		fprintf(out, "%s/%s", b->work, v->arg);
	return 0;
}

/* The file name of the factory release's boot entry: no boot counter, it is known good. */
static int entry(const struct build_ctx *b, const struct value *v, FILE *out)
{
	struct entry_name e = {.left = -1, .done = -1};
	char file[ENTRY_FILE_MAX];

	(void)v;
	snprintf(e.name, sizeof(e.name), "%s", M->name);
	snprintf(e.version, sizeof(e.version), "%s", M->version);
	if (entry_format(&e, file, sizeof(file)) < 0) {
		say("%s %s makes no boot entry name", M->name, M->version);
		return -1;
	}
	return put(out, file);
}

/* What the root image stage's veritysetup reported: root hash, salt, data blocks. */
static int read_verity(const struct build_ctx *b, struct boot_params *p)
{
	char path[PATH_MAX], text[4096], err[256];
	ssize_t n = pathf(path, sizeof(path), "%s/veritysetup.txt", b->work);

	if (n == 0)
		n = read_text(path, text, sizeof(text));
	if (n < 0) {
		say("%s: %s", path, strerror((int)-n));
		return -1;
	}
	if (veritysetup_parse(text, p, err, sizeof(err)) < 0) {
		say("%s: %s", path, err);
		return -1;
	}
	return 0;
}

static int roothash(const struct build_ctx *b, const struct value *v, FILE *out)
{
	struct boot_params p;

	(void)v;
	return read_verity(b, &p) < 0 ? -1 : put(out, p.roothash);
}

/* P's root hash in the file PATH, as dm-verity checks the signature: 64 hex digits, no newline. */
static int write_roothash(const char *path, const struct boot_params *p)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), r;

	if (fd < 0)
		return -errno;
	r = write_all(fd, p->roothash, strlen(p->roothash));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/*
 * berth.roothash_sig: the root hash signed with signing.verity_key, PKCS#7
 * in DER. -noattr: no signing time, so the same image gets the same bytes
 * (RSA PKCS#1 v1.5 signatures are deterministic).
 */
static int sign_roothash(const struct build_ctx *b, struct boot_params *p)
{
	char in[PATH_MAX], key[PATH_MAX], crt[PATH_MAX], sig[CMDLINE_SIG_MAX + 1];
	struct capture out = {.buf = sig, .size = sizeof(sig)};
	int r = pathf(in, sizeof(in), "%s/roothash.tmp", b->work), st;

	if (r == 0)
		r = pathf(key, sizeof(key), "%s/%s.key", b->manifest_dir, M->signing.verity_key);
	if (r == 0)
		r = pathf(crt, sizeof(crt), "%s/%s.crt", b->manifest_dir, M->signing.verity_key);
	if (r == 0)
		r = write_roothash(in, p);
	if (r < 0) {
		say("%s: %s", in, strerror(-r));
		return -1;
	}
	const char *const argv[] = {"openssl",	"smime", "-sign",  "-binary",  "-noattr",
				    "-nocerts", "-md",	 "sha256", "-outform", "DER",
				    "-in",	in,	 "-inkey", key,	       "-signer",
				    crt,	NULL};
	fflush(stdout);
	fflush(stderr);
	st = run_capture("openssl", (char *const *)argv, NULL, STDERR_FILENO, &out);
	unlink(in);
	if (st != 0 || out.cut || out.len == 0) {
		say("cannot sign the root hash with %s: %s", key,
		    st < 0    ? strerror(-st)
		    : out.cut ? "the signature is too long"
			      : "openssl failed");
		return -1;
	}
	memcpy(p->roothash_sig, sig, out.len);
	p->roothash_sig_len = out.len;
	return 0;
}

/*
 * The kernel command line of the UKI of slot V->arg ("a" or "b"): the
 * manifest's kernel.cmdline, then the verity parameters of the root image
 * and the slot's partitions, their UUIDs derived as the disk stage gets them.
 * "install": slot A's, then CMDLINE_INSTALL_ENTRY (the ESP's installer).
 */
static int cmdline(const struct build_ctx *b, const struct value *v, FILE *out)
{
	bool install = strcmp(v->arg, "install") == 0;
	struct boot_params p = {.slot = install ? 'a' : v->arg[0],
				.on_corruption = ON_CORRUPTION_RESTART};
	char label[32], line[4096];
	int n;

	/* The hash tree starts after veritysetup's superblock. */
	p.hash_offset = 4096;
	if (read_verity(b, &p) < 0 || (M->signing.verity_key[0] && sign_roothash(b, &p) < 0))
		return -1;
	snprintf(label, sizeof(label), "root-%c", p.slot);
	derive_uuid(M->name, label, p.root_uuid);
	snprintf(label, sizeof(label), "root-%c-verity", p.slot);
	derive_uuid(M->name, label, p.verity_uuid);
	derive_uuid(M->name, "data", p.data_uuid);
	n = cmdline_format(&p, M->kernel.cmdline, line, sizeof(line));
	/* Every slot's line leaves room for the installer's parameter. */
	if (n < 0 || (size_t)n + strlen(CMDLINE_INSTALL_ENTRY) > CMDLINE_UKI_MAX) {
		say("the kernel command line is %d bytes; with the kernel's own and the "
		    "installer's it would not fit in 2048: shorten kernel.cmdline",
		    n < 0 ? (int)sizeof(line) : n);
		return -1;
	}
	if (install)
		snprintf(line + n, sizeof(line) - (size_t)n, CMDLINE_INSTALL_ENTRY);
	return put(out, line);
}

const struct value values[N_VALUES] = {
    [V_NAME] = {"BERTH_NAME", IN_VALUE, text, NULL, FIELD(name)},
    [V_VERSION] = {"BERTH_VERSION", IN_VALUE, text, NULL, FIELD(version)},
    [V_CHANNEL] = {"BERTH_CHANNEL", IN_VALUE, text, NULL, FIELD(channel)},
    [V_KERNEL_PACKAGE] = {"BERTH_KERNEL_PACKAGE", IN_VALUE, text, NULL, FIELD(kernel.package)},
    [V_HOSTNAME] = {"BERTH_HOSTNAME", IN_VALUE, text, NULL, FIELD(rootfs.hostname)},
    [V_PACKAGES] = {"BERTH_PACKAGES", IN_VALUE, packages, NULL, 0},
    [V_GPG_KEY] = {"BERTH_GPG_KEY", IN_VALUE, text, NULL, FIELD(signing.gpg_key)},
    /* A keyring, with gpg-agent's sockets and state: the key's id stands for it. */
    [V_GPG_HOMEDIR] = {"BERTH_GPG_HOMEDIR", IN_VALUE, manifest_path, NULL,
		       FIELD(signing.gpg_homedir)},
    [V_LOCK_IN] = {"BERTH_LOCK_IN", IN_APT, ctx, NULL, CTX(lock_in)},
    [V_INIT] = {"BERTH_INIT", IN_PATH, ctx, NULL, CTX(init)},
    [V_STAGE1] = {"BERTH_STAGE1", IN_PATH, ctx, NULL, CTX(stage1)},
    [V_UPDATE] = {"BERTH_UPDATE", IN_PATH, ctx, NULL, CTX(update)},
    [V_INSTALLER] = {"BERTH_INSTALLER", IN_PATH, ctx, NULL, CTX(installer)},
    [V_PROVISION] = {"BERTH_PROVISION", IN_PATH, ctx, NULL, CTX(provision)},
    [V_CONTAINER] = {"BERTH_CONTAINER", IN_PATH, ctx, NULL, CTX(container)},
    [V_INSTALL_LIST] = {"BERTH_INSTALL_LIST", IN_LIST, install_list, NULL, 0},
    [V_REMOVE_LIST] = {"BERTH_REMOVE_LIST", IN_PATH, remove_list, NULL, 0},
    [V_MODULE_LIST] = {"BERTH_MODULE_LIST", IN_VALUE, constant, MODULE_LIST, 0},
    [V_KERNEL_MODULES] = {"BERTH_KERNEL_MODULES", IN_VALUE, modules, MODSET_DEFAULT, 0},
    [V_VERITY_CERT] = {"BERTH_VERITY_CERT", IN_PATH, manifest_path, ".crt",
		       FIELD(signing.verity_key)},
    [V_ESP_SIZE] = {"BERTH_ESP_SIZE", IN_VALUE, size, NULL, FIELD(disk.esp)},
    [V_ROOT_SIZE] = {"BERTH_ROOT_SIZE", IN_VALUE, size, NULL, FIELD(disk.root)},
    [V_VERITY_SIZE] = {"BERTH_VERITY_SIZE", IN_VALUE, size, NULL, FIELD(disk.verity)},
    [V_DATA_SIZE] = {"BERTH_DATA_SIZE", IN_VALUE, size, NULL, FIELD(disk.data)},
    [V_UUID_DISK] = {"BERTH_UUID_DISK", IN_VALUE, uuid, "disk", 0},
    [V_UUID_ESP] = {"BERTH_UUID_ESP", IN_VALUE, uuid, "esp", 0},
    [V_UUID_ROOT_A] = {"BERTH_UUID_ROOT_A", IN_VALUE, uuid, "root-a", 0},
    [V_UUID_ROOT_A_VERITY] = {"BERTH_UUID_ROOT_A_VERITY", IN_VALUE, uuid, "root-a-verity", 0},
    [V_UUID_ROOT_B] = {"BERTH_UUID_ROOT_B", IN_VALUE, uuid, "root-b", 0},
    [V_UUID_ROOT_B_VERITY] = {"BERTH_UUID_ROOT_B_VERITY", IN_VALUE, uuid, "root-b-verity", 0},
    [V_UUID_DATA] = {"BERTH_UUID_DATA", IN_VALUE, uuid, "data", 0},
    [V_UUID_DATA_FS] = {"BERTH_UUID_DATA_FS", IN_VALUE, uuid, "data-fs", 0},
    [V_UUID_DATA_HASH] = {"BERTH_UUID_DATA_HASH", IN_VALUE, uuid, "data-hash", 0},
    [V_UUID_EROFS] = {"BERTH_UUID_EROFS", IN_VALUE, uuid, "erofs", 0},
    [V_UUID_VERITY] = {"BERTH_UUID_VERITY", IN_VALUE, uuid, "verity", 0},
    [V_VERITY_SALT] = {"BERTH_VERITY_SALT", IN_VALUE, verity_salt, NULL, 0},
    /* The VHD footer's unique id, which qemu-img makes random. */
    [V_UUID_VHD] = {"BERTH_UUID_VHD", IN_VALUE, uuid, "vhd", 0},
    [V_FORMATS] = {"BERTH_FORMATS", IN_VALUE, formats, NULL, 0},
    [V_CMDLINE_A] = {"BERTH_CMDLINE_A", IN_VALUE, cmdline, "a", 0},
    [V_CMDLINE_B] = {"BERTH_CMDLINE_B", IN_VALUE, cmdline, "b", 0},
    [V_CMDLINE_INSTALL] = {"BERTH_CMDLINE_INSTALL", IN_VALUE, cmdline, "install", 0},
    /* The files of `berth keygen --secure-boot PREFIX`. */
    [V_DB_KEY] = {"BERTH_DB_KEY", IN_PATH, manifest_path, "-db.key", FIELD(signing.secure_boot)},
    [V_DB_CERT] = {"BERTH_DB_CERT", IN_PATH, manifest_path, "-db.crt", FIELD(signing.secure_boot)},
    [V_PK_AUTH] = {"BERTH_PK_AUTH", IN_PATH, manifest_path, "-PK.auth", FIELD(signing.secure_boot)},
    [V_KEK_AUTH] = {"BERTH_KEK_AUTH", IN_PATH, manifest_path, "-KEK.auth",
		    FIELD(signing.secure_boot)},
    [V_DB_AUTH] = {"BERTH_DB_AUTH", IN_PATH, manifest_path, "-db.auth", FIELD(signing.secure_boot)},
    [V_ENTRY] = {"BERTH_ENTRY", IN_VALUE, entry, NULL, 0},
    [V_COMPATIBLE] = {"BERTH_COMPATIBLE", IN_VALUE, text, NULL, FIELD(update.compatible)},
    [V_SECURITY_EPOCH] = {"BERTH_SECURITY_EPOCH", IN_VALUE, number, NULL,
			  FIELD(update.security_epoch)},
    [V_ROOTHASH] = {"BERTH_ROOTHASH", IN_VALUE, roothash, NULL, 0},
    [V_SIGNING_KEY] = {"BERTH_SIGNING_KEY", IN_PATH, manifest_path, NULL,
		       FIELD(update.signing_key)},
    [V_ROOT_IMAGE] = {"BERTH_ROOT_IMAGE", IN_PATH, payload, "root.erofs", 0},
    [V_VERITY_IMAGE] = {"BERTH_VERITY_IMAGE", IN_PATH, payload, "verity.img", 0},
    [V_UKI_A] = {"BERTH_UKI_A", IN_PATH, payload, "uki-a.efi", 0},
    [V_UKI_B] = {"BERTH_UKI_B", IN_PATH, payload, "uki-b.efi", 0},
};
