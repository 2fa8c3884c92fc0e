/* berth-init: declarations shared by its source files. */
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "clock.h"
#include "cmdline.h"
#include "contract.h"
#include "ctrconf.h"
#include "fileio.h"
#include "say.h"

/* log.c: standard input, output and error on the console. */
void console_setup(void);
/* A PID 1's start: PROGRAM run as anything else says so and exits 1. */
void pid1_begin(const char *program);

/* util.c */
int mount_on(const char *src, const char *dir, const char *type, unsigned long flags,
	     const char *data);
/*
 * Removes what is under DIRFD and on device DEV (never entering a mount),
 * but the top-level names KEEP (may be NULL) says to keep. Errors are ignored.
 */
void remove_tree(int dirfd, dev_t dev, bool (*keep)(const char *name));
bool is_mountpoint(const char *path);
/*
 * Runs ARGV[0] with ARGV and no environment, and waits for it, feeding the
 * watchdog and loading the drivers of devices that appear meanwhile: its
 * wait status, or -errno when it could not start. With TIMEOUT_MS (0: no
 * limit) it is killed after that long, and -ETIMEDOUT returned.
 */
int child_wait(char *const argv[], unsigned timeout_ms);

/* modules.c */
/*
 * The modules LIST names (one absolute path a line, dependencies first),
 * loaded by a child: its pid for modules_wait, or -1 when they were loaded
 * here (no fork).
 */
pid_t modules_load_child(const char *list);
/* Until PID's loading (modules_load_child) is done. */
void modules_wait(pid_t pid);
/* Loads the module file PATH (.ko, or compressed): 0 when loaded or it already was, else -errno. */
int module_load_file(const char *path);

/*
 * drivers.c: drivers by modalias from /lib/modules/RELEASE (modalias.h).
 * drivers_start loads those of the devices present and listens for more:
 * returns the uevent socket to poll (drivers_events when readable) or
 * -errno. NET_ADDED (may be NULL) is told of each network interface added.
 */
int drivers_start(void (*net_added)(const char *ifname));
void drivers_events(void);
/* Sleeps MS, or until FD (ignored when negative) is readable, serving the devices that appear. */
void drivers_wait(unsigned ms, int fd);
void drivers_stop(void);
/* Lets go of what serving devices needs in memory until the next device appears. */
void drivers_idle(void);

/* partition.c: partitions found by GPT partition GUID, on the boot disk only (bootdisk.h). */
struct part {
	char name[64];	 /* kernel name, e.g. "vda2" */
	char devnum[24]; /* "major:minor" */
	dev_t dev;
};
/* Stage 1 hands the data partition's kernel name to stage 2 in this environment variable. */
#define DATA_PART_ENV "BERTH_DATA_PART"
/*
 * Stage 1: the boot disk's root, verity and data partitions named by P
 * into PARTS (PARTS[2] is "" when the boot disk has no data partition),
 * polling up to TIMEOUT_MS. Says which disk and why, and every other disk
 * holding this image's PARTUUIDs. 0, -EEXIST when the boot disk cannot be
 * told, -ETIMEDOUT.
 */
int boot_disk_wait(const struct boot_params *p, struct part parts[3], unsigned timeout_ms);

/* grow.c: the data partition fills its disk. */
/* Stage 1: grows partition DATA (a kernel name; "" for none) to its disk's end. Logs; never fails.
 */
void disk_grow(const char *data);
/* Stage 2: grows the ext4 mounted on /var from NODE to its partition's size. Logs; never fails. */
void var_grow(const char *node);

/* dm.c */
int dm_verity_create(const struct boot_params *p, const struct part *data, const struct part *hash,
		     char *node, size_t nodelen);

/*
 * install.c: stage 1 with the boot disk found (PARTS as boot_disk_wait
 * gives them): with berth.install= on the command line (P->install),
 * berth-install copies the image onto an internal disk; then reboots or halts.
 */
void install_check(const struct boot_params *p, const struct part parts[3]);

/* stage2.c: berth-init's whole life. */
noreturn void stage2(void);

/* hostname.c: the machine id (/run/machine-id, kept in /var) and the hostname. */
void hostname_setup(void);

/*
 * provision.c: this machine's user data, before the hostname, network and
 * services (NETWORK false); when that run says so, again once the network
 * is started, for the metadata services. True when it asks for that run.
 */
bool provision_run(bool network);
/* RUN when berth-provision wrote it for this boot, else ETC, the image's. */
const char *conf_choose(const char *run, const char *etc);

/* network.c */
void network_start(void);
/* After network_start: interface IFNAME appeared (drivers.c). */
void network_added(const char *ifname);
/* After network_start: network.conf may have changed (berth-provision's second run). */
void network_reload(void);

/*
 * netlink.c: a NETLINK_ROUTE socket (or -errno), and requests on it, each
 * acknowledged by the kernel: 0 or -errno. TYPE: RTM_NEWADDR or
 * RTM_DELADDR, RTM_NEWROUTE or RTM_DELROUTE.
 */
struct netconf_ip;
struct netconf_route;
int nl_open(void);
int nl_addr(int fd, unsigned short type, unsigned ifindex, const struct netconf_ip *a);
int nl_route(int fd, unsigned short type, unsigned ifindex, const struct netconf_route *rt);

/* containerd.c: supervises containerd when the root has it. */
void containerd_start(void);

/* supervise.c: children PID 1 keeps running. */
struct job {
	const char *name; /* for log lines */
	/* Called in the child (signals unblocked, a new session); should exec or _exit. */
	void (*run)(const char *arg);
	const char *arg;
	enum restart restart;
	void (*exited)(int id, int status); /* in PID 1 after each exit; may be NULL */
	bool held;			    /* not started until supervise_start() */
};
/* Returns the job's id, or -ENOSPC. */
int supervise_job(const struct job *j);
/* A job restarted always, started now. */
int supervise_add(const char *name, void (*run)(const char *arg), const char *arg);
/* Starts job ID in DELAY_MS unless it is running. */
void supervise_start(int id, unsigned delay_ms);
/* Job ID stopped for good: SIGTERM to its session, and waited for (SIGKILL after 2 s). */
void supervise_stop(int id);
/* The running job's PID, or 0. */
pid_t supervise_pid(int id);
/* Starts the jobs due by now, as the loop does on each turn. */
void supervise_due(void);
/* FN runs in PID 1's loop after DELAY_MS, then every PERIOD_MS (0: once). */
void supervise_timer(unsigned delay_ms, unsigned period_ms, void (*fn)(void));
/* The signals PID 1 takes: children, halt, poweroff, reboot. */
void pid1_signals(sigset_t *set);
/* MILESTONE_FD: timeline_start's descriptor; UEVENT_FD: drivers_start's. Either may be -1. */
noreturn void supervise(int milestone_fd, int uevent_fd);

/* timeline.c: boot milestones in BOOT_JSON. */
/* Starts the timeline (with stage 1's times); returns the fd to watch, or -errno. */
int timeline_start(const char *os_version, char boot_slot);
/* NAME must be reached before the timeline is complete. */
void timeline_expect(const char *name);
/* Every expected milestone is declared: the timeline can be complete. */
void timeline_seal(void);
/* In PID 1: NAME is reached now / at MS. Only the first time counts. */
void milestone(const char *name);
void milestone_at(const char *name, uint64_t ms);
bool milestone_reached(const char *name);
/* PID 1's loop: milestone files appeared. */
void timeline_event(void);

/* services.c: onboot and service containers (containers.conf), run by crun. */
void services_start(void);
/* In a child: BERTH_CONTAINER_BIN with ARGV (NULL-terminated) in its place. */
noreturn void container_exec(const char *const argv[]);

/* watchdog.c: armed in stage 1, pinged by stage 2. */
const char *watchdog_arm(void);
unsigned watchdog_adopt(void);
void watchdog_ping(void);
void watchdog_disarm(void);

/* health.c: the boot health gate (update.conf's health-deadline). */
/* Milestone NAME must be reached for the boot to count as healthy. */
void health_require(const char *name);
/* Arms the deadline; call once every requirement is declared. */
void health_start(void);
/* PID 1: a milestone was reached; marks the boot good once all required are. */
void health_evaluate(void);

/*
 * channel.c: update checks (`berth-update check`) from now on, when this
 * machine follows a channel; once the health gate has let them start
 * (health.c). Later calls do nothing.
 */
void channel_start(void);

/* shutdown.c */
enum shutdown_action { SHUTDOWN_HALT, SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT };
noreturn void shutdown_system(enum shutdown_action action);

#endif
