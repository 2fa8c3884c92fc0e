/* Finding a section of a PE/COFF file (a UKI) from its headers. */
#ifndef BERTH_PE_H
#define BERTH_PE_H

#include <stddef.h>
#include <stdint.h>

/* How much of a file to read for pe_find_section: the headers of a UKI are far smaller. */
#define PE_HEAD_MAX 65536

struct pe_section {
	uint32_t offset; /* in the file */
	uint32_t size;	 /* the section's bytes, without the file-alignment padding */
};

/*
 * HEAD holds the first LEN bytes of a file of FILE_SIZE bytes. Finds the
 * section called NAME (at most 8 characters, as in the section table).
 * Returns 0, -ENOENT when there is no such section, -EINVAL when HEAD is
 * not a PE file or the section lies outside the file, -ENOSPC when the
 * headers run past LEN.
 */
int pe_find_section(const uint8_t *head, size_t len, uint64_t file_size, const char *name,
		    struct pe_section *out);

/*
 * Whether the file (HEAD, LEN, FILE_SIZE as above) carries an Authenticode
 * signature, i.e. a certificate table inside the file: 1 or 0; -EINVAL or
 * -ENOSPC as pe_find_section. Says nothing of who signed it.
 */
int pe_signed(const uint8_t *head, size_t len, uint64_t file_size);

#endif
