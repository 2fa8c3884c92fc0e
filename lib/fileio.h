/*
 * File helpers shared by berth-init, berth-update and the build tool: plain
 * system calls, no logging.
 */
#ifndef BERTH_FILEIO_H
#define BERTH_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir(2) that takes an existing PATH as made: 0 or -errno. */
int make_dir(const char *path, mode_t mode);
/* Reads up to LEN-1 bytes of PATH and NUL-terminates. Returns the length or -errno. */
ssize_t read_text(const char *path, char *buf, size_t len);
/* Up to LEN bytes, fewer only at the end of the input: how many, or -errno. */
ssize_t read_upto(int fd, void *buf, size_t len);
/* Exactly LEN bytes: 0, -EPIPE at end of file first, or -errno. */
int read_full(int fd, void *buf, size_t len);
/* All of LEN bytes: 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Up to LEN bytes at OFFSET, fewer only at the end of the file: how many, or -errno. */
ssize_t pread_full(int fd, void *buf, size_t len, off_t offset);
/* All of LEN bytes at OFFSET: 0 or -errno. */
int pwrite_all(int fd, const void *buf, size_t len, off_t offset);
/*
 * Replaces PATH with LEN bytes of DATA through PATH.tmp and rename(2), so
 * a reader sees the old file or the new one, never part of one. DURABLE
 * also fsyncs the file and its folder, so the new one outlives a power cut.
 * Returns 0 or -errno.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable);
/* fsync of folder DIR, or of the folder holding PATH: 0 or -errno. */
int sync_dir(const char *dir);
int sync_parent(const char *path);
/* snprintf for paths: 0, or -ENAMETOOLONG instead of a silently cut path. */
__attribute__((format(printf, 3, 4))) int pathf(char *buf, size_t len, const char *fmt, ...);
/*
 * Calls FN with each entry of the open directory DIRFD but "." and "..",
 * until FN returns non-zero. Returns that value, 0 after the last entry,
 * or -errno when the directory cannot be read. No allocation (readdir(3)
 * allocates its DIR): berth-init links no allocator.
 */
int dir_each(int dirfd, int (*fn)(void *ctx, int dirfd, const char *name), void *ctx);
/* The first line of /sys/class/block/DEV/ATTR, without its newline, into BUF: 0 or -errno. */
int block_attr(const char *dev, const char *attr, char *buf, size_t len);

#endif
