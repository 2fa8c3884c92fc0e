/*
 * berth-container: the work of berth-init's children that has no place in
 * PID 1, which stays small (docs/boot.md). berth-init runs it in a child:
 *   berth-container run CONF NAME     container NAME of CONF (a containers.conf)
 *                                     to its end; exits with its status
 *   berth-container probe CONF NAME   one health probe of service NAME: 0 when healthy
 *   berth-container log NAME PROGRAM [ARG...]
 *                                     PROGRAM with its output logged as a container's
 */
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"
#include "say.h"

static char conf[65536];
static struct ctr ctrs[CONTAINERS_MAX];

/* Container NAME of the conf at PATH, or NULL after saying why. */
static const struct ctr *find(const char *path, const char *name)
{
	char err[160];
	size_t n;
	ssize_t len = read_text(path, conf, sizeof(conf));

	if (len < 0) {
		say("%s: %s", path, strerror((int)-len));
		return NULL;
	}
	if (ctrconf_parse(conf, ctrs, &n, err, sizeof(err)) < 0) {
		say("%s: %s", path, err);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ctrs[i].name, name))
			return &ctrs[i];
	say("%s: no container %s", path, name);
	return NULL;
}

static int run_program(const void *arg)
{
	char *const *argv = arg;
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

	return run_capture(argv[0], argv, envp, STDOUT_FILENO, NULL);
}

int main(int argc, char **argv)
{
	static const char usage[] = "usage: berth-container run|probe CONF NAME\n"
				    "       berth-container log NAME PROGRAM [ARG...]\n";
	const struct ctr *c;

	if (argc == 4 && !strcmp(argv[1], "run"))
		return (c = find(argv[2], argv[3])) ? container_run(c) : 127;
	if (argc == 4 && !strcmp(argv[1], "probe"))
		return (c = find(argv[2], argv[3])) && probe_run(c) == 0 ? 0 : 1;
	if (argc >= 4 && !strcmp(argv[1], "log"))
		return run_status(logged(argv[2], run_program, argv + 3));
	/* write(2), not fprintf: stdio's stderr FILE would add to the binary. */
	write(STDERR_FILENO, usage, sizeof(usage) - 1);
	return 2;
}
