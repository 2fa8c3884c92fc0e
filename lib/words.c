/* Lines of words (words.h). */
#include "words.h"

#include <string.h>

int words_split(const char *line, size_t len, struct word *w, int max)
{
	int count = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || count == max)
			return -1;
		w[count].s = line + start;
		w[count++].n = i - start;
		start = i + 1;
	}
	return count;
}

bool word_is(const struct word *w, const char *word)
{
	return w->n == strlen(word) && !memcmp(w->s, word, w->n);
}
