/*
 * A tiny unit-test harness. Each CHECK prints one "ok - ..." or
 * "FAIL - ..." line; tests/run.sh counts them across all suites.
 */
#ifndef BERTH_CHECK_H
#define BERTH_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, name)                                                                     \
	do {                                                                                  \
		if (cond) {                                                                   \
			printf("ok - %s: %s\n", __FILE__, (name));                            \
		} else {                                                                      \
			printf("FAIL - %s:%d: %s (%s)\n", __FILE__, __LINE__, (name), #cond); \
			check_failures++;                                                     \
		}                                                                             \
	} while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
