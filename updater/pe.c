/*
 * PE/COFF section lookup (Microsoft PE format: MS-DOS stub, "PE\0\0",
 * COFF file header, optional header, section table). Every offset is
 * checked against the bytes we have, so garbage cannot make us read past
 * them.
 */
#include "pe.h"

#include <errno.h>
#include <string.h>

#define DOS_LFANEW 0x3c
#define COFF_SIZE 20
#define COFF_SECTIONS 2
#define COFF_OPT_SIZE 16
#define SECTION_SIZE 40
#define S_VSIZE 8
#define S_RAW_SIZE 16
#define S_RAW_PTR 20
#define OPT_PE32 0x10b
#define OPT_PE32PLUS 0x20b
#define OPT_DIRS_PE32 96 /* offset of the data directories in the optional header */
#define OPT_DIRS_PE32PLUS 112
#define DIR_SECURITY 4 /* the certificate table: Authenticode signatures */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int name_is(const uint8_t field[8], const char *name, size_t n)
{
	return memcmp(field, name, n) == 0 && (n == 8 || field[n] == 0);
}

/*
 * Checks the headers up to the end of the section table; sets *COFF to the
 * COFF header's offset. 0, -EINVAL or -ENOSPC as pe_find_section.
 */
static int pe_headers(const uint8_t *head, size_t len, uint64_t file_size, uint64_t *coff)
{
	if (len < 2 || head[0] != 'M' || head[1] != 'Z')
		return -EINVAL;
	if (len < DOS_LFANEW + 4)
		return -ENOSPC;

	/* 64-bit sums: no offset from the file can wrap them. */
	uint64_t pe = le32(head + DOS_LFANEW);
	if (pe + 4 + COFF_SIZE > file_size)
		return -EINVAL;
	if (pe + 4 + COFF_SIZE > len)
		return -ENOSPC;
	if (memcmp(head + pe, "PE\0\0", 4) != 0)
		return -EINVAL;
	*coff = pe + 4;
	uint64_t end = *coff + COFF_SIZE + le16(head + *coff + COFF_OPT_SIZE) +
		       (uint64_t)le16(head + *coff + COFF_SECTIONS) * SECTION_SIZE;
	if (end > file_size)
		return -EINVAL;
	if (end > len)
		return -ENOSPC;
	return 0;
}

int pe_find_section(const uint8_t *head, size_t len, uint64_t file_size, const char *name,
		    struct pe_section *out)
{
	size_t n = name ? strlen(name) : 0;
	uint64_t coff;
	int r;

	if (!head || n == 0 || n > 8)
		return -EINVAL;
	if (len > file_size)
		len = (size_t)file_size;
	if ((r = pe_headers(head, len, file_size, &coff)) < 0)
		return r;
	uint64_t count = le16(head + coff + COFF_SECTIONS);
	uint64_t table = coff + COFF_SIZE + le16(head + coff + COFF_OPT_SIZE);

	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *s = head + table + i * SECTION_SIZE;
		if (!name_is(s, name, n))
			continue;
		uint32_t raw = le32(s + S_RAW_SIZE), vsize = le32(s + S_VSIZE);
		uint32_t ptr = le32(s + S_RAW_PTR);
		/* The raw data is padded to the file alignment; a zero virtual size means "all of
		 * it". */
		uint32_t size = vsize && vsize < raw ? vsize : raw;
		if ((uint64_t)ptr + size > file_size)
			return -EINVAL;
		out->offset = ptr;
		out->size = size;
		return 0;
	}
	return -ENOENT;
}

int pe_signed(const uint8_t *head, size_t len, uint64_t file_size)
{
	uint64_t coff;
	int r;

	if (!head)
		return -EINVAL;
	if (len > file_size)
		len = (size_t)file_size;
	if ((r = pe_headers(head, len, file_size, &coff)) < 0)
		return r;
	/* The data directories follow the optional header's fixed part, which PE32+ makes longer.
	 */
	uint64_t opt = coff + COFF_SIZE, opt_size = le16(head + coff + COFF_OPT_SIZE);
	if (opt_size < 2)
		return -EINVAL;
	uint16_t magic = le16(head + opt);
	uint64_t dirs = magic == OPT_PE32PLUS ? OPT_DIRS_PE32PLUS
			: magic == OPT_PE32   ? OPT_DIRS_PE32
					      : 0;
	if (!dirs)
		return -EINVAL;
	/* NumberOfRvaAndSizes is the field just before the directories. */
	if (opt_size < dirs || le32(head + opt + dirs - 4) <= DIR_SECURITY)
		return 0;
	if (opt_size < dirs + (DIR_SECURITY + 1) * 8)
		return -EINVAL;
	const uint8_t *d = head + opt + dirs + DIR_SECURITY * 8;
	/* The security directory's address is a file offset, not an RVA. */
	uint64_t where = le32(d), size = le32(d + 4);
	if (size == 0)
		return 0;
	return where + size <= file_size ? 1 : -EINVAL;
}
