/* A container's config.json (see ocispec.h). */
#include <errno.h>
#include <string.h>

#include "ocispec.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* containerd's default set, what `ctr run` gave. */
static const char *const caps[] = {"CAP_CHOWN",
				   "CAP_DAC_OVERRIDE",
				   "CAP_FSETID",
				   "CAP_FOWNER",
				   "CAP_MKNOD",
				   "CAP_NET_RAW",
				   "CAP_SETGID",
				   "CAP_SETUID",
				   "CAP_SETFCAP",
				   "CAP_SETPCAP",
				   "CAP_NET_BIND_SERVICE",
				   "CAP_SYS_CHROOT",
				   "CAP_KILL",
				   "CAP_AUDIT_WRITE",
				   NULL};
static const char *const masked[] = {"/proc/acpi",
				     "/proc/asound",
				     "/proc/kcore",
				     "/proc/keys",
				     "/proc/latency_stats",
				     "/proc/timer_list",
				     "/proc/timer_stats",
				     "/proc/sched_debug",
				     "/proc/scsi",
				     "/sys/firmware",
				     NULL};
static const char *const readonly[] = {"/proc/bus",	      "/proc/fs", "/proc/irq", "/proc/sys",
				       "/proc/sysrq-trigger", NULL};

const char *const ocispec_dirs[] = {"/proc", "/dev", "/sys", "/tmp", "/run", NULL};
/* On the host network: the host's, bound (mounts() below). */
const char *const ocispec_files[] = {"/etc/hosts", "/etc/resolv.conf", NULL};

/* The kernel's file systems every container gets, as containerd's defaults mount them. */
static const struct mount {
	const char *dst, *type, *options;
} api_mounts[] = {
    {"/proc", "proc", "\"nosuid\",\"noexec\",\"nodev\""},
    {"/dev", "tmpfs", "\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\""},
    {"/dev/pts", "devpts",
     "\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\""},
    {"/dev/shm", "tmpfs", "\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\""},
    {"/dev/mqueue", "mqueue", "\"nosuid\",\"noexec\",\"nodev\""},
    {"/sys", "sysfs", "\"nosuid\",\"noexec\",\"nodev\",\"ro\""},
    /* The root is read-only: the places programs expect to write to. */
    {"/tmp", "tmpfs", "\"nosuid\",\"nodev\",\"mode=1777\""},
    {"/run", "tmpfs", "\"nosuid\",\"nodev\",\"mode=755\""},
};

static void string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void strings(FILE *f, const char *const *list, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n && list[i]; i++) {
		if (i)
			fputc(',', f);
		string(f, list[i]);
	}
	fputc(']', f);
}

static size_t key_len(const char *kv)
{
	return strcspn(kv, "=");
}

static bool same_key(const char *a, const char *b)
{
	return key_len(a) == key_len(b) && strncmp(a, b, key_len(a)) == 0;
}

/* The image's environment, each variable C sets in its place, and PATH when neither has it. */
static size_t merge_env(const struct ctr *c, const struct imageconf *ic, const char **env)
{
	size_t n = 0;
	bool path = false;

	for (size_t i = 0; i < ic->nenv; i++) {
		bool over = false;
		for (size_t j = 0; j < c->nenv && !over; j++)
			over = same_key(ic->env[i], c->env[j]);
		if (!over)
			env[n++] = ic->env[i];
	}
	for (size_t j = 0; j < c->nenv; j++)
		env[n++] = c->env[j];
	for (size_t i = 0; i < n; i++)
		path = path || same_key(env[i], DEFAULT_PATH);
	if (!path)
		env[n++] = DEFAULT_PATH;
	return n;
}

static void process(FILE *f, const struct ctr *c, const struct imageconf *ic)
{
	const char *env[2 * ENV_MAX + 1];
	size_t nenv = merge_env(c, ic, env);

	fprintf(f, "\"process\":{\"terminal\":false,\"user\":{\"uid\":%u,\"gid\":%u},\"args\":",
		ic->uid, ic->gid);
	if (c->nargs)
		strings(f, c->args, c->nargs);
	else
		strings(f, ic->args, ic->nargs);
	fputs(",\"env\":", f);
	strings(f, env, nenv);
	fputs(",\"cwd\":", f);
	string(f, ic->cwd);
	fputs(",\"capabilities\":{", f);
	const char *sets[] = {"bounding", "effective", "permitted"};
	for (size_t i = 0; i < 3; i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", sets[i]);
		strings(f, caps, sizeof(caps) / sizeof(caps[0]));
	}
	fputs("},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]}", f);
}

static void bind(FILE *f, const char *src, const char *dst, bool ro)
{
	fputs(",{\"destination\":", f);
	string(f, dst);
	fputs(",\"type\":\"bind\",\"source\":", f);
	string(f, src);
	fprintf(f, ",\"options\":[\"rbind\",\"%s\"]}", ro ? "ro" : "rw");
}

static bool bound(const struct ctr *c, const char *dst)
{
	for (size_t i = 0; i < c->nbinds; i++)
		if (strcmp(c->binds[i].dst, dst) == 0)
			return true;
	return false;
}

static void mounts(FILE *f, const struct ctr *c, const struct imageconf *ic, bool resolv)
{
	fputs("\"mounts\":[", f);
	for (size_t i = 0; i < sizeof(api_mounts) / sizeof(api_mounts[0]); i++)
		fprintf(
		    f,
		    "%s{\"destination\":\"%s\",\"type\":\"%s\",\"source\":\"%s\",\"options\":[%s]}",
		    i ? "," : "", api_mounts[i].dst, api_mounts[i].type, api_mounts[i].type,
		    api_mounts[i].options);
	for (size_t i = 0; i < ic->ntmpfs; i++) {
		if (bound(c, ic->tmpfs[i]) || !strcmp(ic->tmpfs[i], "/tmp") ||
		    !strcmp(ic->tmpfs[i], "/run"))
			continue;
		fputs(",{\"destination\":", f);
		string(f, ic->tmpfs[i]);
		fputs(
		    ",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\"]}",
		    f);
	}
	/* As `ctr run --net-host`: the host's names and name servers. */
	if (c->net == NET_HOST) {
		bind(f, "/etc/hosts", "/etc/hosts", true);
		if (resolv)
			bind(f, "/etc/resolv.conf", "/etc/resolv.conf", true);
	}
	for (size_t i = 0; i < c->nbinds; i++)
		bind(f, c->binds[i].src, c->binds[i].dst, c->binds[i].ro);
	fputc(']', f);
}

int ocispec_write(FILE *f, const struct ctr *c, const struct imageconf *ic, const char *rootfs,
		  bool resolv)
{
	if (!c->nargs && !ic->nargs)
		return -EINVAL;
	fputs("{\"ociVersion\":\"1.0.2\",", f);
	process(f, c, ic);
	fputs(",\"root\":{\"path\":", f);
	string(f, rootfs);
	fputs(",\"readonly\":true},", f);
	mounts(f, c, ic, resolv);
	fputs(
	    ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	    "{\"type\":\"mount\"}",
	    f);
	if (c->net != NET_HOST)
		fputs(",{\"type\":\"network\"}", f);
	fputs("],\"maskedPaths\":", f);
	strings(f, masked, sizeof(masked) / sizeof(masked[0]));
	fputs(",\"readonlyPaths\":", f);
	strings(f, readonly, sizeof(readonly) / sizeof(readonly[0]));
	fputs("}}\n", f);
	return 0;
}
