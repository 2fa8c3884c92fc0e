/*
 * Lines of words split at single spaces, as the bundle manifest
 * (lib/bundle.c) and the channel index (lib/channel.c) write them: one
 * spelling only, so no word is empty.
 */
#ifndef BERTH_WORDS_H
#define BERTH_WORDS_H

#include <stdbool.h>
#include <stddef.h>

struct word {
	const char *s;
	size_t n;
};

/* LINE (LEN bytes) into at most MAX words W: how many, or -1 (an empty word, or more than MAX). */
int words_split(const char *line, size_t len, struct word *w, int max);
/* Whether W is WORD. */
bool word_is(const struct word *w, const char *word);

#endif
