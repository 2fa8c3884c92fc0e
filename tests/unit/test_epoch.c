/* unit: updater/epoch.c -Iupdater */
/* The security floor's EFI variables and how marking a release good raises it (updater/epoch.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "epoch.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_floor(void)
{
	uint8_t v[EPOCH_FLOOR_SIZE + 1];
	unsigned floor = 99;

	epoch_floor_format(258, v);
	CHECK(!memcmp(v, "\x02\x01\x00\x00", 4), "floor: u32 little-endian");
	CHECK(epoch_floor_parse(v, 4, &floor) == 0 && floor == 258, "floor: round trip");
	epoch_floor_format(SECURITY_EPOCH_MAX, v);
	CHECK(epoch_floor_parse(v, 4, &floor) == 0 && floor == 65535, "floor: 65535, the most");
	floor = 99;
	epoch_floor_format(SECURITY_EPOCH_MAX + 1, v);
	CHECK(epoch_floor_parse(v, 4, &floor) == -EINVAL && floor == 99,
	      "floor: above the most epoch refused, nothing set");
	epoch_floor_format(1, v);
	CHECK(epoch_floor_parse(v, 3, &floor) == -EINVAL &&
		  epoch_floor_parse(v, 5, &floor) == -EINVAL &&
		  epoch_floor_parse(v, 0, &floor) == -EINVAL && floor == 99,
	      "floor: not 4 bytes refused");
}

static void test_pending(void)
{
	struct epoch_pending p = {.epoch = 7, .roothash = H64}, got;
	uint8_t v[EPOCH_PENDING_SIZE + 1];

	epoch_pending_format(&p, v);
	CHECK(!memcmp(v, "\x07\x00\x00\x00" H64, EPOCH_PENDING_SIZE),
	      "pending: u32 little-endian epoch, then the root hash in hex");
	memset(&got, 0x5a, sizeof(got));
	CHECK(epoch_pending_parse(v, EPOCH_PENDING_SIZE, &got) == 0 && got.epoch == 7 &&
		  !strcmp(got.roothash, H64),
	      "pending: round trip");
	CHECK(epoch_pending_parse(v, EPOCH_PENDING_SIZE - 1, &got) == -EINVAL &&
		  epoch_pending_parse(v, EPOCH_PENDING_SIZE + 1, &got) == -EINVAL,
	      "pending: another length refused");
	v[10] = 'A';
	CHECK(epoch_pending_parse(v, EPOCH_PENDING_SIZE, &got) == -EINVAL,
	      "pending: upper-case hex refused");
	v[10] = 0;
	CHECK(epoch_pending_parse(v, EPOCH_PENDING_SIZE, &got) == -EINVAL,
	      "pending: a NUL in the root hash refused");
	p.epoch = SECURITY_EPOCH_MAX + 1;
	epoch_pending_format(&p, v);
	CHECK(epoch_pending_parse(v, EPOCH_PENDING_SIZE, &got) == -EINVAL,
	      "pending: above the most epoch refused");
}

static void test_raise(void)
{
	struct epoch_pending p = {.epoch = 3, .roothash = H64};

	CHECK(epoch_floor_raised(1, &p, H64) == 3,
	      "raise: the booted release is the pending one, of a higher epoch: its epoch");
	CHECK(epoch_floor_raised(1, &p, A64) == 1,
	      "raise: another release booted (a rollback, the factory one): the floor stays");
	CHECK(epoch_floor_raised(5, &p, H64) == 5, "raise: never lowers the floor");
	CHECK(epoch_floor_raised(3, &p, H64) == 3, "raise: the same epoch: stays");
	CHECK(epoch_floor_raised(2, NULL, H64) == 2, "raise: nothing pending: stays");
}

int main(void)
{
	test_floor();
	test_pending();
	test_raise();
	return CHECK_DONE();
}
