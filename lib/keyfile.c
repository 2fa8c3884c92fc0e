/* Reading key files (keyfile.h). */
#include "keyfile.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* TEXT (2 * LEN hex digits and a newline, N bytes read) into KEY. */
static int decode(const char *text, size_t n, uint8_t *key, size_t len)
{
	if (n != 2 * len + 1 || text[2 * len] != '\n')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int keyfile_read(int dirfd, const char *path, uint8_t *key, size_t len, const char **why)
{
	/* Room for one byte more than a key file holds, to tell a longer file. */
	char text[2 * 64 + 2];
	struct stat st;
	int r = 0, fd;

	*why = "does not hold a key as berth keygen writes it";
	if (len > 64)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO in the key's place must not hang the build. */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		r = -EINVAL;
		goto out;
	}
	ssize_t got = read_upto(fd, text, 2 * len + 2);
	r = got < 0 ? (int)got : decode(text, (size_t)got, key, len);
out:
	/* The text of a secret key is as secret as the key. */
	explicit_bzero(text, sizeof(text));
	close(fd);
	return r;
}
