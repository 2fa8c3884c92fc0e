/*
 * Containers from /etc/berth/containers.conf (or berth-provision's, with
 * this machine's environment, RUN_CONTAINERS_CONF), each run by crun from
 * its image's tree in the verified root, through berth-container
 * (container/). PID 1 only orders and supervises; everything that waits (a
 * container, a probe) happens in a child:
 *
 *   onboot containers, one after another -> services
 *
 * Each service is a supervised job (container.c runs it) with its restart
 * policy, plus a one-shot probe job that PID 1 re-arms until the service
 * is healthy again after each start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "run.h"

/*
 * After a start, the first probe comes soon and each failed one waits a
 * quarter longer than the last, up to the interval: "healthy" is seen
 * within tens of milliseconds of happening in a quick start, and a slow
 * one costs at most one probe every 2 s after its first seconds.
 */
#define PROBE_FIRST_MS 50
#define PROBE_INTERVAL_MS 2000

static char conf[65536];
static const char *conf_path; /* the file CONF holds, which berth-container reads again */
static struct ctr ctrs[CONTAINERS_MAX];
static size_t nctrs;
static int onboot_job = -1;
static struct {
	int job, probe;
	unsigned wait_ms; /* before the next probe */
	bool healthy;
	char milestone[48];
} svc[CONTAINERS_MAX];

/* Service I (re)started: probes from soon after. */
static void probe_soon(size_t i)
{
	svc[i].wait_ms = PROBE_FIRST_MS;
	supervise_start(svc[i].probe, svc[i].wait_ms);
}

static void start_services(void)
{
	for (size_t i = 0; i < nctrs; i++)
		if (ctrs[i].kind == CTR_SERVICE) {
			supervise_start(svc[i].job, 0);
			probe_soon(i);
		}
}

static char *const container_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

void container_exec(const char *const argv[])
{
	execve(BERTH_CONTAINER_BIN, (char *const *)argv, container_env);
	say("exec " BERTH_CONTAINER_BIN ": %s", strerror(errno));
	_exit(127);
}

/* In the child: each onboot container in order; the first failure ends the run. */
static void run_onboot(const char *arg)
{
	(void)arg;
	for (size_t i = 0; i < nctrs; i++) {
		if (ctrs[i].kind != CTR_ONBOOT)
			continue;
		const char *argv[] = {"berth-container", "run", conf_path, ctrs[i].name, NULL};
		int status = run_status(run_capture(BERTH_CONTAINER_BIN, (char *const *)argv,
						    container_env, STDOUT_FILENO, NULL));
		if (status != 0) {
			say("onboot %s failed (status %d); later onboot containers are skipped",
			    ctrs[i].name, status);
			_exit(1);
		}
	}
	_exit(0);
}

static void onboot_done(int id, int status)
{
	(void)id;
	if (status == 0)
		milestone("onboot");
	else
		say("onboot did not complete; starting the services anyway");
	start_services();
}

/* In the job's child: ARG, a service's name. */
static void run_service(const char *arg)
{
	container_exec((const char *const[]){"berth-container", "run", conf_path, arg, NULL});
}

static void run_probe(const char *arg)
{
	container_exec((const char *const[]){"berth-container", "probe", conf_path, arg, NULL});
}

static int service_of_job(int id, bool probe)
{
	for (size_t i = 0; i < nctrs; i++)
		if (ctrs[i].kind == CTR_SERVICE && (probe ? svc[i].probe : svc[i].job) == id)
			return (int)i;
	return -1;
}

/* A service stopped: it is not healthy until its probe passes again. */
static void service_exited(int id, int status)
{
	int i = service_of_job(id, false);

	if (i < 0)
		return;
	if (ctrs[i].restart == RESTART_NO)
		say("%s exited (status %d); not restarted (restart: no)", ctrs[i].name, status);
	svc[i].healthy = false;
	probe_soon((size_t)i);
}

static void probe_done(int id, int status)
{
	int i = service_of_job(id, true);

	if (i < 0)
		return;
	if (status != 0) {
		unsigned next = svc[i].wait_ms + svc[i].wait_ms / 4;
		svc[i].wait_ms = next < PROBE_INTERVAL_MS ? next : PROBE_INTERVAL_MS;
		if (supervise_pid(svc[i].job) > 0 || ctrs[i].restart != RESTART_NO)
			supervise_start(id, svc[i].wait_ms);
		return;
	}
	if (!svc[i].healthy)
		say("%s is healthy", ctrs[i].name);
	svc[i].healthy = true;
	milestone(svc[i].milestone);
}

static int add_jobs(void)
{
	int r;

	for (size_t i = 0; i < nctrs; i++) {
		if (ctrs[i].kind != CTR_SERVICE) {
			if (onboot_job < 0)
				onboot_job = r = supervise_job(&(struct job){.name = "onboot",
									     .run = run_onboot,
									     .arg = "",
									     .restart = RESTART_NO,
									     .exited = onboot_done,
									     .held = true});
			else
				r = 0;
		} else {
			svc[i].job = r = supervise_job(&(struct job){.name = ctrs[i].name,
								     .run = run_service,
								     .arg = ctrs[i].name,
								     .restart = ctrs[i].restart,
								     .exited = service_exited,
								     .held = true});
			if (r >= 0)
				svc[i].probe = r =
				    supervise_job(&(struct job){.name = ctrs[i].name,
								.run = run_probe,
								.arg = ctrs[i].name,
								.restart = RESTART_NO,
								.exited = probe_done,
								.held = true});
			snprintf(svc[i].milestone, sizeof(svc[i].milestone), "healthy:%s",
				 ctrs[i].name);
			timeline_expect(svc[i].milestone);
			if (ctrs[i].critical)
				health_require(svc[i].milestone);
		}
		if (r < 0)
			return r;
	}
	if (onboot_job >= 0)
		timeline_expect("onboot");
	return 0;
}

static int load(void)
{
	char err[160];
	const char *path = conf_path = conf_choose(RUN_CONTAINERS_CONF, CONTAINERS_CONF);
	ssize_t n = read_text(path, conf, sizeof(conf));

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		say("%s: %s; no containers started", path, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n == sizeof(conf) - 1) {
		say("%s: larger than %zu bytes; no containers started", path, sizeof(conf));
		return -EFBIG;
	}
	if (ctrconf_parse(conf, ctrs, &nctrs, err, sizeof(err)) < 0) {
		say("%s: %s; no containers started", path, err);
		nctrs = 0;
		return -EINVAL;
	}
	return 0;
}

void services_start(void)
{
	if (load() < 0 || add_jobs() < 0)
		nctrs = 0;
	if (onboot_job >= 0)
		supervise_start(onboot_job, 0);
	else
		start_services();
}
