/* File helpers (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Up to LEN bytes, fewer only at the end of the file; at OFFSET, or where FD is when OFFSET < 0. */
static ssize_t read_at(int fd, void *buf, size_t len, off_t offset)
{
	size_t n = 0;

	while (n < len) {
		char *p = (char *)buf + n;
		ssize_t r =
		    offset < 0 ? read(fd, p, len - n) : pread(fd, p, len - n, offset + (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* All of LEN bytes, at OFFSET, or where FD is when OFFSET < 0. */
static int write_at(int fd, const void *buf, size_t len, off_t offset)
{
	for (size_t n = 0; n < len;) {
		const char *p = (const char *)buf + n;
		ssize_t w =
		    offset < 0 ? write(fd, p, len - n) : pwrite(fd, p, len - n, offset + (off_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		n += (size_t)w;
	}
	return 0;
}

ssize_t read_text(const char *path, char *buf, size_t len)
{
	if (len == 0)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read_at(fd, buf, len - 1, -1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

ssize_t read_upto(int fd, void *buf, size_t len)
{
	return read_at(fd, buf, len, -1);
}

int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int read_full(int fd, void *buf, size_t len)
{
	ssize_t n = read_at(fd, buf, len, -1);

	return n < 0 ? (int)n : (size_t)n < len ? -EPIPE : 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	return write_at(fd, buf, len, -1);
}

ssize_t pread_full(int fd, void *buf, size_t len, off_t offset)
{
	return read_at(fd, buf, len, offset);
}

int pwrite_all(int fd, const void *buf, size_t len, off_t offset)
{
	return write_at(fd, buf, len, offset);
}

int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);

	if (n == 0)
		return sync_dir(".");
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return sync_dir(dir);
}

int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int block_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[256];

	if (pathf(path, sizeof(path), "/sys/class/block/%s/%s", dev, attr) < 0)
		return -ENAMETOOLONG;
	ssize_t n = read_text(path, buf, len);
	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* What getdents64(2) fills its buffer with; the C libraries differ in how they offer it. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int dir_each(int dirfd, int (*fn)(void *ctx, int dirfd, const char *name), void *ctx)
{
	_Alignas(struct linux_dirent64) char buf[2048];

	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			const struct linux_dirent64 *de =
			    (const struct linux_dirent64 *)(buf + off);
			const char *name = de->d_name;
			off += de->d_reclen;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			int r = fn(ctx, dirfd, name);
			if (r)
				return r;
		}
	}
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	char tmp[PATH_MAX];
	int r = pathf(tmp, sizeof(tmp), "%s.tmp", path);

	if (r < 0)
		return r;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	return durable ? sync_parent(path) : 0;
fail:
	unlink(tmp);
	return r;
}
