/*
 * PID 1's main loop: wait for signals (never for a child), reap every
 * child, keep the supervised children (the optional console shell, DHCP
 * clients) running, start shutdowns.
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
#define CHILDREN_MAX 16

static struct child {
	char name[64]; /* for log lines, e.g. "console shell on ttyS0" */
	char arg[40];  /* what run is given: a tty, an interface */
	void (*run)(const char *arg);
	pid_t pid;
	uint64_t started; /* boot ms */
	uint64_t next;	  /* boot ms of the next start; 0 = none due */
	unsigned delay;
} children[CHILDREN_MAX];
static size_t nchildren;

int supervise_add(const char *name, void (*run)(const char *arg), const char *arg)
{
	if (nchildren == CHILDREN_MAX) {
		say("%s: more than %d supervised children; not started", name, CHILDREN_MAX);
		return -ENOSPC;
	}
	struct child *c = &children[nchildren++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->arg, sizeof(c->arg), "%s", arg);
	c->run = run;
	c->delay = RESPAWN_MS;
	c->next = boottime_ms(); /* due now: the loop starts it */
	return 0;
}

static bool shell_configured(char *tty, size_t len)
{
	char text[128];
	ssize_t n = read_text(SHELL_CONF, text, sizeof(text));

	if (n < 0) {
		if (n != -ENOENT)
			say("console shell: " SHELL_CONF ": %s", strerror((int)-n));
		return false;
	}
	if (first_line(text, tty, len) < 0 || !tty_name_ok(tty)) {
		say("console shell: " SHELL_CONF ": first line must name a tty, like ttyS0");
		return false;
	}
	return true;
}

/* In the child: the tty becomes the controlling terminal of the new session. */
static void shell_exec(const char *tty)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/%s", tty);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		say("console shell: %s: %s", path, strerror(errno));
		return;
	}
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		say("console shell: %s: TIOCSCTTY: %s (no job control)", path, strerror(errno));
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (chdir("/root") < 0 && chdir("/") < 0)
		return;
	char *const argv[] = {"/bin/sh", NULL};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=vt100",
			      NULL};
	execve(argv[0], argv, envp);
	say("console shell: exec /bin/sh: %s", strerror(errno));
}

static void child_start(struct child *c)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		c->run(c->arg);
		_exit(127);
	}
	c->next = 0;
	if (pid < 0) {
		say("%s: fork: %s", c->name, strerror(errno));
		c->next = boottime_ms() + RESPAWN_MS;
		return;
	}
	c->pid = pid;
	c->started = boottime_ms();
}

/* A child that dies at once is retried ever more slowly, so it cannot flood the console. */
static void child_exited(struct child *c, int status)
{
	uint64_t now = boottime_ms();

	c->pid = 0;
	if (now - c->started < RESPAWN_MS)
		c->delay = c->delay * 2 > RESPAWN_MAX_MS ? RESPAWN_MAX_MS : c->delay * 2;
	else
		c->delay = RESPAWN_MS;
	if (WIFSIGNALED(status))
		say("%s killed by signal %d; restarting in %u s", c->name, WTERMSIG(status),
		    c->delay / 1000);
	else
		say("%s exited (%d); restarting in %u s", c->name, WEXITSTATUS(status),
		    c->delay / 1000);
	c->next = now + c->delay;
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].pid == pid)
				child_exited(&children[i], status);
}

/* How long sigtimedwait may sleep: until the next child start, or forever (NULL). */
static const struct timespec *wait_time(struct timespec *ts)
{
	uint64_t next = 0;

	for (size_t i = 0; i < nchildren; i++)
		if (children[i].next && (!next || children[i].next < next))
			next = children[i].next;
	if (!next)
		return NULL;
	uint64_t now = boottime_ms();
	uint64_t ms = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/*
 * Every child leads its own session. Interactive shells ignore SIGTERM; a
 * hangup ends them as a closed line would, and the rest as well.
 */
static noreturn void stop(enum shutdown_action action)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid > 0)
			kill(-children[i].pid, SIGHUP);
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
	char tty[40], name[64];

	pid1_signals(&set);
	if (shell_configured(tty, sizeof(tty))) {
		snprintf(name, sizeof(name), "console shell on %s", tty);
		supervise_add(name, shell_exec, tty);
	}
	for (;;) {
		uint64_t now = boottime_ms();
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].next && now >= children[i].next)
				child_start(&children[i]);
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
	}
}
