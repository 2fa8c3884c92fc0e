/* What this machine takes: update.conf's compatible and the trusted keys. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "keyfile.h"
#include "update.h"

int load_conf(struct update_conf *conf)
{
	char text[4096], err[160];
	ssize_t n = read_text(UPDATE_CONF, text, sizeof(text));

	if (n < 0) {
		complain("cannot read " UPDATE_CONF ": %s", strerror((int)-n));
		return (int)n;
	}
	if (update_conf_parse(text, conf, err, sizeof(err)) < 0) {
		complain(UPDATE_CONF ": %s", err);
		return -EINVAL;
	}
	return 0;
}

int load_keys(struct trusted_key keys[TRUSTED_KEYS_MAX], size_t *n)
{
	struct dirent *de;
	DIR *dir = opendir(KEYS_DIR);

	if (!dir) {
		complain("refused: no trusted keys (%s: %s)", KEYS_DIR, strerror(errno));
		return -errno;
	}
	while ((de = readdir(dir)) && *n < TRUSTED_KEYS_MAX) {
		struct trusted_key *k = &keys[*n];
		const char *why;
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 || strcmp(de->d_name + len - 4, ".pub") != 0 ||
		    len - 4 >= sizeof(k->name))
			continue;
		int r = keyfile_read(dirfd(dir), de->d_name, k->pk, KEYFILE_PUBLIC, &why);
		if (r < 0) {
			complain("ignoring " KEYS_DIR "/%s: %s", de->d_name,
				 r == -EINVAL ? why : strerror(-r));
			continue;
		}
		memcpy(k->name, de->d_name, len - 4);
		k->name[len - 4] = '\0';
		(*n)++;
	}
	closedir(dir);
	if (*n == 0) {
		complain("refused: no trusted keys in " KEYS_DIR);
		return -ENOKEY;
	}
	return 0;
}
