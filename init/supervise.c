/*
 * PID 1's main loop: wait for signals and milestone files (never for a
 * child), reap every child, keep the supervised jobs (the optional console
 * shell, DHCP clients, containerd, services) running by their restart
 * policy, start shutdowns.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "names.h"

#define RESPAWN_MS 1000
#define RESPAWN_MAX_MS 60000
/* A child that ran this long before it died was working: restart it soon. */
#define HEALTHY_RUN_MS 10000
#define CHILDREN_MAX 48
#define STOP_MS 2000

static struct child {
	char name[64]; /* for log lines, e.g. "console shell on ttyS0" */
	char arg[40];  /* what run is given: a tty, an interface, a container */
	void (*run)(const char *arg);
	void (*exited)(int id, int status);
	enum restart restart;
	pid_t pid;
	uint64_t started; /* boot ms */
	uint64_t next;	  /* boot ms of the next start; 0 = none due */
	unsigned delay;
} children[CHILDREN_MAX];
static size_t nchildren;

#define TIMERS_MAX 4
static struct timer {
	void (*fn)(void);
	uint64_t due;	 /* boot ms; 0 = unused */
	unsigned period; /* ms; 0 = once */
} timers[TIMERS_MAX];

void supervise_timer(unsigned delay_ms, unsigned period_ms, void (*fn)(void))
{
	for (size_t i = 0; i < TIMERS_MAX; i++)
		if (!timers[i].due) {
			timers[i] = (struct timer){fn, boottime_ms() + delay_ms, period_ms};
			return;
		}
	say("more than %d timers; one is dropped", TIMERS_MAX); /* a bug: the callers are fixed */
}

static void run_timers(uint64_t now)
{
	for (size_t i = 0; i < TIMERS_MAX; i++) {
		struct timer *t = &timers[i];
		if (!t->due || now < t->due)
			continue;
		t->due = t->period ? now + t->period : 0;
		t->fn();
	}
}

int supervise_job(const struct job *j)
{
	if (nchildren == CHILDREN_MAX) {
		say("%s: more than %d supervised children; not started", j->name, CHILDREN_MAX);
		return -ENOSPC;
	}
	struct child *c = &children[nchildren];
	snprintf(c->name, sizeof(c->name), "%s", j->name);
	snprintf(c->arg, sizeof(c->arg), "%s", j->arg);
	c->run = j->run;
	c->exited = j->exited;
	c->restart = j->restart;
	c->delay = RESPAWN_MS;
	c->next = j->held ? 0 : boottime_ms(); /* due now: the loop starts it */
	return (int)nchildren++;
}

int supervise_add(const char *name, void (*run)(const char *arg), const char *arg)
{
	return supervise_job(&(struct job){.name = name, .run = run, .arg = arg});
}

void supervise_start(int id, unsigned delay_ms)
{
	if (id >= 0 && (size_t)id < nchildren && children[id].pid == 0)
		children[id].next = boottime_ms() + delay_ms;
}

pid_t supervise_pid(int id)
{
	return id >= 0 && (size_t)id < nchildren ? children[id].pid : 0;
}

/* Whether child C exited within MS; reaped here if so. */
static bool child_gone(const struct child *c, unsigned ms)
{
	uint64_t deadline = boottime_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD))
			return true;
		if (boottime_ms() >= deadline)
			return false;
		sleep_ms(10);
	}
}

void supervise_stop(int id)
{
	if (id < 0 || (size_t)id >= nchildren)
		return;
	struct child *c = &children[id];
	c->restart = RESTART_NO;
	c->next = 0;
	if (c->pid <= 0)
		return;
	kill(-c->pid, SIGTERM);
	if (!child_gone(c, STOP_MS)) {
		say("%s still running %d s after SIGTERM; killed", c->name, STOP_MS / 1000);
		kill(-c->pid, SIGKILL);
		child_gone(c, STOP_MS); /* else reaped by the loop, as a stranger */
	}
	c->pid = 0;
}

static bool shell_configured(char *tty, size_t len)
{
	char text[128];
	ssize_t n = read_text(CONSOLE_SHELL_CONF, text, sizeof(text));

	if (n < 0) {
		if (n != -ENOENT)
			say("console shell: " CONSOLE_SHELL_CONF ": %s", strerror((int)-n));
		return false;
	}
	if (first_line(text, tty, len) < 0 || !tty_name_ok(tty)) {
		say("console shell: " CONSOLE_SHELL_CONF
		    ": first line must name a tty, like ttyS0");
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
	/*
	 * _Fork, not fork: fork's extra is locking for threads and running
	 * atfork handlers, and berth-init has neither; it is 1.5 KB of musl.
	 */
	pid_t pid = _Fork();

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

void supervise_due(void)
{
	uint64_t now = boottime_ms();

	for (size_t i = 0; i < nchildren; i++)
		if (children[i].next && now >= children[i].next)
			child_start(&children[i]);
}

static bool restarts(const struct child *c, int status)
{
	switch (c->restart) {
	case RESTART_ALWAYS:
		return true;
	case RESTART_ON_FAILURE:
		return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	default:
		return false;
	}
}

/* Backoff: the delay doubles while the child keeps dying young, so none can flood the console. */
static void child_exited(int id, int status)
{
	struct child *c = &children[id];
	uint64_t now = boottime_ms();
	char how[40];

	c->pid = 0;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited (%d)", WEXITSTATUS(status));
	if (!restarts(c, status)) {
		/* One-shot jobs (restart "no") are reported by their exit hooks. */
		if (c->restart == RESTART_ON_FAILURE)
			say("%s %s; not restarted", c->name, how);
	} else {
		if (now - c->started < HEALTHY_RUN_MS)
			c->delay = c->delay * 2 > RESPAWN_MAX_MS ? RESPAWN_MAX_MS : c->delay * 2;
		else
			c->delay = RESPAWN_MS;
		say("%s %s; restarting in %u s", c->name, how, c->delay / 1000);
		c->next = now + c->delay;
	}
	if (c->exited)
		c->exited(id, status);
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].pid == pid)
				child_exited((int)i, status);
}

/* How long poll may sleep: until the next child start or timer, or forever (-1). */
static int wait_time(void)
{
	uint64_t next = 0;

	for (size_t i = 0; i < nchildren; i++)
		if (children[i].next && (!next || children[i].next < next))
			next = children[i].next;
	for (size_t i = 0; i < TIMERS_MAX; i++)
		if (timers[i].due && (!next || timers[i].due < next))
			next = timers[i].due;
	if (!next)
		return -1;
	uint64_t now = boottime_ms();
	return next > now ? (int)(next - now) : 0;
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

static void take_signal(int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
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
			break;
		}
	}
}

noreturn void supervise(int milestone_fd, int uevent_fd)
{
	sigset_t set;
	char tty[40], name[64];

	pid1_signals(&set);
	if (shell_configured(tty, sizeof(tty))) {
		snprintf(name, sizeof(name), "console shell on %s", tty);
		supervise_add(name, shell_exec, tty);
	}
	struct pollfd fds[3] = {
	    {.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC), .events = POLLIN},
	    {.fd = milestone_fd, .events = POLLIN},
	    {.fd = uevent_fd, .events = POLLIN}};
	if (fds[0].fd < 0) /* cannot happen short of a broken kernel; reaping would stop */
		say("signalfd: %s; children are not reaped", strerror(errno));
	drivers_idle();
	for (;;) {
		run_timers(boottime_ms());
		supervise_due();
		if (poll(fds, 3, wait_time()) <= 0)
			continue; /* timeout or EINTR */
		if (fds[0].revents & POLLIN)
			take_signal(fds[0].fd);
		if (fds[1].revents & POLLIN)
			timeline_event();
		if (fds[2].revents & POLLIN) {
			drivers_events();
			drivers_idle();
		}
	}
}
