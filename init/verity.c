/* The dm-verity table line (see verity.h and the kernel's verity.rst). */
#include "verity.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool hex_len(const char *s, size_t min, size_t max, bool even)
{
	size_t n = strnlen(s, max + 1);

	if (n < min || n > max || (even && n % 2))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "major:minor", both decimal: anything else would corrupt the table. */
static bool valid_devnum(const char *s)
{
	size_t major = strspn(s, "0123456789");

	if (major == 0 || s[major] != ':')
		return false;
	s += major + 1;
	size_t minor = strspn(s, "0123456789");
	return minor > 0 && s[minor] == '\0';
}

static const char *corruption_opt(const struct boot_params *p)
{
	switch (p->on_corruption) {
	case ON_CORRUPTION_RESTART:
		return " restart_on_corruption";
	case ON_CORRUPTION_PANIC:
		return " panic_on_corruption";
	case ON_CORRUPTION_EIO:
		break;
	}
	return "";
}

int verity_table(const struct boot_params *p, const char *data_dev, const char *hash_dev, char *buf,
		 size_t len, uint64_t *sectors)
{
	if (!p || !data_dev || !hash_dev || !buf || !sectors)
		return -EINVAL;
	if (!hex_len(p->roothash, 64, 64, false) || !hex_len(p->salt, 0, 128, true))
		return -EINVAL;
	/* The sector count must fit in 64 bits. */
	if (p->data_blocks == 0 || p->data_blocks > UINT64_MAX / (VERITY_BLOCK_SIZE / 512))
		return -EINVAL;
	if (p->hash_offset % VERITY_BLOCK_SIZE)
		return -EINVAL;
	if (!valid_devnum(data_dev) || !valid_devnum(hash_dev))
		return -EINVAL;
	if (p->on_corruption != ON_CORRUPTION_EIO && p->on_corruption != ON_CORRUPTION_RESTART &&
	    p->on_corruption != ON_CORRUPTION_PANIC)
		return -EINVAL;

	const char *corruption = corruption_opt(p);
	const char *sig = p->roothash_sig_len ? " root_hash_sig_key_desc " VERITY_SIG_KEY_DESC : "";
	/* The optional arguments are counted in words: a key and its value are two. */
	int n_opts = (corruption[0] ? 1 : 0) + (sig[0] ? 2 : 0);
	char count[4] = "";

	if (n_opts)
		snprintf(count, sizeof(count), " %d", n_opts);
	int n = snprintf(buf, len, "1 %s %s %d %d %" PRIu64 " %" PRIu64 " sha256 %s %s%s%s%s",
			 data_dev, hash_dev, VERITY_BLOCK_SIZE, VERITY_BLOCK_SIZE, p->data_blocks,
			 p->hash_offset / VERITY_BLOCK_SIZE, p->roothash,
			 p->salt[0] ? p->salt : "-", count, corruption, sig);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	*sectors = p->data_blocks * (VERITY_BLOCK_SIZE / 512);
	return 0;
}
