/* unit: container/logfile.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../container/logfile.h"
#include "check.h"

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Every line "line N\n" for N in FIRST.. appears in order across the files. */
static long check_sequence(const char *path, long first)
{
	char line[64];
	long n = first;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char want[64];
		snprintf(want, sizeof(want), "line %ld\n", n);
		if (strcmp(line, want) != 0)
			break;
		n++;
	}
	int complete = feof(f);
	fclose(f);
	return complete ? n : -1;
}

int main(void)
{
	char dir[] = "/tmp/berth-logfile-XXXXXX", path[128], old[140];
	struct logfile l;
	long total = 0;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/svc.log", dir);
	snprintf(old, sizeof(old), "%s.1", path);

	logfile_open(&l, dir, "svc");
	CHECK(l.fd >= 0 && l.size == 0, "a new log starts empty");
	/* 2.5 MiB of lines: two rotations. */
	while (total < 5 * LOGFILE_MAX / 2) {
		char line[64];
		int n = snprintf(line, sizeof(line), "line %ld\n", total / 16);
		logfile_write(&l, line, (size_t)n);
		total += 16;
	}
	CHECK(size_of(path) > 0 && size_of(path) <= LOGFILE_MAX, "the current file stays bounded");
	CHECK(size_of(old) > LOGFILE_MAX - 64 && size_of(old) <= LOGFILE_MAX,
	      "the older file is full and bounded");
	long first_old;
	FILE *f = fopen(old, "r");
	CHECK(f && fscanf(f, "line %ld", &first_old) == 1, "the older file starts with a line");
	if (f)
		fclose(f);
	long next = check_sequence(old, first_old);
	CHECK(next > first_old && check_sequence(path, next) == total / 16,
	      "no line is lost or cut between the two files, and none after the last");
	close(l.fd);

	logfile_open(&l, dir, "svc");
	CHECK(l.size == size_of(path), "reopening continues at the file's size");
	logfile_write(&l, "x\n", 2);
	CHECK(size_of(path) == l.size, "and appends");
	close(l.fd);

	char big[2 * 1024];
	memset(big, 'b', sizeof(big));
	snprintf(path, sizeof(path), "%s/one.log", dir);
	logfile_open(&l, dir, "one");
	for (int i = 0; i < LOGFILE_MAX / (int)sizeof(big); i++)
		logfile_write(&l, big, sizeof(big));
	CHECK(size_of(path) == LOGFILE_MAX, "a file may fill up to exactly the bound");
	close(l.fd);

	logfile_open(&l, "/nonexistent-berth-dir", "x");
	logfile_write(&l, "y\n", 2);
	CHECK(l.fd < 0, "an unopenable log drops writes");

	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
