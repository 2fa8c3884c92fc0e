/*
 * The default kernel.modules set (modset.h), read and checked line by
 * line with the manifest's own rule for a module glob.
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "manifest_rules.h"
#include "modset.h"

/* LINE without its comment and the blanks around what is left. */
static char *glob_of(char *line)
{
	char *end;

	line[strcspn(line, "#\n")] = '\0';
	line += strspn(line, " \t");
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return line;
}

int modset_read(const char *path, FILE *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *glob;
	const char *why = NULL;
	size_t cap = 0, no = 0;
	int n = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!why && getline(&line, &cap, f) > 0) {
		no++;
		glob = glob_of(line);
		if (!*glob)
			continue;
		if (strlen(glob) > MODULE_GLOB_MAX)
			why = "too long";
		else if (n == MANIFEST_MAX_MODULES)
			why = "more globs than a manifest may list";
		else
			why = mf_check_module_glob(glob);
		if (!why) {
			fprintf(out, "%s\n", glob);
			n++;
		}
	}
	if (why)
		snprintf(err, errlen, "%s:%zu: '%.*s': %s", path, no, MODULE_GLOB_MAX, glob, why);
	else if (ferror(f))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	free(line);
	if (ferror(f))
		why = "";
	fclose(f);
	return why ? -1 : n;
}
