/*
 * PID 1's main loop: wait for signals (never for a child), reap every
 * child, keep the optional console shell running, start shutdowns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "text.h"

#define SHELL_CONF "/etc/berth/console-shell"
#define RESPAWN_MS 1000
#define RESPAWN_MAX_MS 60000

static struct {
	char tty[40];
	pid_t pid;
	uint64_t started; /* boot ms */
	uint64_t next;	  /* boot ms of the next start; 0 = none due */
	unsigned delay;
} shell;

static bool shell_configured(void)
{
	char text[128];
	ssize_t n = read_text(SHELL_CONF, text, sizeof(text));

	if (n < 0) {
		if (n != -ENOENT)
			say("console shell: " SHELL_CONF ": %s", strerror((int)-n));
		return false;
	}
	if (first_line(text, shell.tty, sizeof(shell.tty)) < 0 || !tty_name_ok(shell.tty)) {
		say("console shell: " SHELL_CONF ": first line must name a tty, like ttyS0");
		return false;
	}
	return true;
}

/* In the child: a new session whose controlling terminal is the tty. */
static noreturn void shell_exec(void)
{
	char path[64];
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	snprintf(path, sizeof(path), "/dev/%s", shell.tty);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		say("console shell: %s: %s", path, strerror(errno));
		_exit(127);
	}
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		say("console shell: %s: TIOCSCTTY: %s (no job control)", path, strerror(errno));
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (chdir("/root") < 0 && chdir("/") < 0)
		_exit(127);
	char *const argv[] = {"/bin/sh", NULL};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=vt100",
			      NULL};
	execve(argv[0], argv, envp);
	say("console shell: exec /bin/sh: %s", strerror(errno));
	_exit(127);
}

static void shell_start(void)
{
	pid_t pid = fork();

	if (pid == 0)
		shell_exec();
	shell.next = 0;
	if (pid < 0) {
		say("console shell: fork: %s", strerror(errno));
		shell.next = boottime_ms() + RESPAWN_MS;
		return;
	}
	shell.pid = pid;
	shell.started = boottime_ms();
}

/* A shell that dies at once is retried ever more slowly, so it cannot flood the console. */
static void shell_exited(int status)
{
	uint64_t now = boottime_ms();

	shell.pid = 0;
	if (now - shell.started < RESPAWN_MS)
		shell.delay = shell.delay * 2 > RESPAWN_MAX_MS ? RESPAWN_MAX_MS : shell.delay * 2;
	else
		shell.delay = RESPAWN_MS;
	if (WIFSIGNALED(status))
		say("console shell on %s killed by signal %d; restarting in %u s", shell.tty,
		    WTERMSIG(status), shell.delay / 1000);
	else
		say("console shell on %s exited (%d); restarting in %u s", shell.tty,
		    WEXITSTATUS(status), shell.delay / 1000);
	shell.next = now + shell.delay;
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (shell.pid && pid == shell.pid)
			shell_exited(status);
}

/* How long sigtimedwait may sleep: until the next shell start, or forever (NULL). */
static const struct timespec *wait_time(struct timespec *ts)
{
	if (!shell.next)
		return NULL;
	uint64_t now = boottime_ms();
	uint64_t ms = shell.next > now ? shell.next - now : 0;
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/* Interactive shells ignore SIGTERM; a hangup ends them as a closed line would. */
static noreturn void stop(enum shutdown_action action)
{
	if (shell.pid > 0)
		kill(-shell.pid, SIGHUP);
	shutdown_system(action);
}

void pid1_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

noreturn void supervise(void)
{
	sigset_t set;
	siginfo_t info;
	struct timespec ts;

	pid1_signals(&set);
	shell.delay = RESPAWN_MS;
	if (shell_configured())
		shell_start();
	for (;;) {
		int sig = sigtimedwait(&set, &info, wait_time(&ts));
		switch (sig) {
		case SIGCHLD:
			reap_children();
			break;
		case SIGUSR1:
			stop(SHUTDOWN_HALT);
		case SIGUSR2:
			stop(SHUTDOWN_POWEROFF);
		case SIGTERM:
		case SIGINT:
			stop(SHUTDOWN_REBOOT);
		default:
			break; /* timeout (EAGAIN) or EINTR */
		}
		if (shell.next && boottime_ms() >= shell.next)
			shell_start();
	}
}
