/* Loading the kernel modules the build listed for the initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/module.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int module_load_file(const char *path)
{
	int flags = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ends_with(path, ".xz") || ends_with(path, ".zst") || ends_with(path, ".gz"))
		flags = MODULE_INIT_COMPRESSED_FILE; /* the kernel decompresses */
	int r = (int)syscall(SYS_finit_module, fd, "", flags);
	int e = errno;
	close(fd);
	if (r < 0 && e != EEXIST)
		return -e;
	return 0;
}

/*
 * LIST has one absolute module path a line, dependencies first. A module
 * that fails is reported and skipped: the device may still appear (built
 * in, or not needed on this machine), and the partition wait decides.
 */
static void modules_load(const char *list)
{
	static char text[32768];
	unsigned loaded = 0, failed = 0;
	ssize_t n = read_text(list, text, sizeof(text));

	if (n < 0) {
		say("modules: %s: %s; continuing without", list, strerror((int)-n));
		return;
	}
	if ((size_t)n == sizeof(text) - 1)
		say("modules: %s is longer than %zu bytes; the rest is ignored", list,
		    sizeof(text) - 1);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		line[strcspn(line, " \t\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		int r = line[0] == '/' ? module_load_file(line) : -EINVAL;
		if (r < 0) {
			say("modules: %s: %s", line,
			    r == -EINVAL && line[0] != '/' ? "not an absolute path" : strerror(-r));
			failed++;
		} else {
			loaded++;
		}
	}
	say("modules: %u loaded, %u failed", loaded, failed);
}

pid_t modules_load_child(const char *list)
{
	pid_t pid = fork();

	if (pid == 0) {
		modules_load(list);
		_exit(0);
	}
	if (pid < 0) {
		say("modules: fork: %s; loading them here", strerror(errno));
		modules_load(list);
	}
	return pid;
}

void modules_wait(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
