/*
 * Per-machine settings (docs/provision.md): berth-provision (provision/)
 * reads this machine's user data and writes what it sets under RUN_DIR,
 * which hostname.c, network.c and services.c then prefer to the image's
 * files. Started only when the image names sources (PROVISION_CONF), and
 * given PROVISION_TIMEOUT_MS: a hung drive must not hold the boot. The
 * metadata services need the network, so they are read in a second run
 * after network_start when the first asks for it (PROVISION_EXIT_NETWORK).
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

bool provision_run(bool network)
{
	char *const argv[] = {BERTH_PROVISION_BIN, network ? PROVISION_AFTER_NETWORK : NULL, NULL};

	if (access(PROVISION_CONF, F_OK) < 0)
		return false;
	int status = child_wait(argv, PROVISION_TIMEOUT_MS);
	if (status == -ETIMEDOUT)
		say("provision: berth-provision killed after %d s; what it wrote before is used",
		    PROVISION_TIMEOUT_MS / 1000);
	else if (status < 0)
		say("provision: " BERTH_PROVISION_BIN ": %s", strerror(-status));
	else if (WIFSIGNALED(status))
		say("provision: berth-provision killed by signal %d", WTERMSIG(status));
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == PROVISION_EXIT_NETWORK;
}

const char *conf_choose(const char *run, const char *etc)
{
	return access(run, F_OK) == 0 ? run : etc;
}
