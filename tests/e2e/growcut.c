/*
 * growcut DISK NUMBER K: makes the first K of the writes with which
 * berth-init grows partition NUMBER of the disk image DISK to the file's
 * end (init/gptgrow.c, the same plan), as if the power failed after the
 * K-th; prints how many writes the whole growth takes. test_grow.py boots
 * the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gptgrow.h"

#define SECTOR 512
#define HEAD (1u << 20) /* holds any GPT berth writes */

int main(int argc, char **argv)
{
	static uint8_t head[HEAD], work[GROW_WORK_SIZE];
	struct grow_plan p;
	struct stat st;

	if (argc != 4) {
		fprintf(stderr, "usage: growcut DISK NUMBER K\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0 || pread(fd, head, HEAD, 0) != HEAD) {
		fprintf(stderr, "growcut: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int r = gpt_grow_plan(head, HEAD, SECTOR, (uint64_t)st.st_size / SECTOR, atoi(argv[2]),
			      1u << 20, work, &p);
	if (r < 0) {
		fprintf(stderr, "growcut: %s: no growth: %s\n", argv[1], strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < p.n && i < strtoul(argv[3], NULL, 10); i++)
		if (pwrite(fd, p.w[i].buf, p.w[i].len, (off_t)p.w[i].off) != (ssize_t)p.w[i].len) {
			fprintf(stderr, "growcut: %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
	printf("%zu\n", p.n);
	return close(fd) == 0 ? 0 : 1;
}
