/* What berth-provision reads from the image (conf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "errf.h"

int provconf_parse(char *text, struct provconf *pc, char *err, size_t errlen)
{
	unsigned line = 0;

	memset(pc, 0, sizeof(*pc));
	for (char *next, *s = text; s && *s; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		if (s[0] == '#' || s[0] == '\0')
			continue;
		if (!strncmp(s, PC_ADDRESS " ", sizeof(PC_ADDRESS))) {
			const char *why = provision_address_parse(s + sizeof(PC_ADDRESS),
								  &pc->address, &pc->port);
			if (why)
				return errf_line(err, errlen, line, "%s", why);
			continue;
		}
		if (strncmp(s, PC_SOURCE " ", sizeof(PC_SOURCE)))
			return errf_line(err, errlen, line,
					 "expected '" PC_SOURCE " WORD' or '" PC_ADDRESS " URL'");
		const char *word = s + sizeof(PC_SOURCE);
		int i = 0;
		while (provision_source_words[i] && strcmp(word, provision_source_words[i]))
			i++;
		if (!provision_source_words[i])
			return errf_line(err, errlen, line, "unknown source: %s", word);
		for (int j = 0; j < pc->n_sources; j++)
			if (pc->sources[j] == (enum provision_source)i)
				return errf_line(err, errlen, line, "source %s twice", word);
		pc->sources[pc->n_sources++] = (enum provision_source)i;
	}
	return 0;
}

/* The N items of LIST (NUL-terminated strings) into OUT, arrays of SIZE bytes. */
static void copy_strings(const char *const *list, size_t n, char *out, size_t size)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + i * size, size, "%s", list[i]);
}

void provconf_containers(const struct ctr *ctrs, size_t n, struct manifest *m)
{
	m->n_containers = n;
	for (size_t i = 0; i < n; i++) {
		const struct ctr *c = &ctrs[i];
		struct manifest_container *ct = &m->containers[i];

		memset(ct, 0, sizeof(*ct));
		ct->service = c->kind == CTR_SERVICE;
		snprintf(ct->name, sizeof(ct->name), "%s", c->name);
		/* "sha256:HEX": the manifest keeps the hex alone */
		snprintf(ct->digest, sizeof(ct->digest), "%s", strchr(c->digest, ':') + 1);
		ct->network = c->net;
		ct->runtime = c->runtime;
		ct->restart = c->restart;
		ct->critical = c->critical;
		ct->health.probe = c->probe;
		ct->health.port = c->port;
		if (c->path)
			snprintf(ct->health.path, sizeof(ct->health.path), "%s", c->path);
		ct->health.n_exec = c->nprobe;
		copy_strings(c->probe_argv, c->nprobe, ct->health.exec[0],
			     sizeof(ct->health.exec[0]));
		ct->n_command = c->nargs;
		copy_strings(c->args, c->nargs, ct->command[0], sizeof(ct->command[0]));
		ct->n_env = c->nenv;
		copy_strings(c->env, c->nenv, ct->env[0], sizeof(ct->env[0]));
		ct->n_binds = c->nbinds;
		for (size_t j = 0; j < c->nbinds; j++) {
			snprintf(ct->binds[j].src, sizeof(ct->binds[j].src), "%s", c->binds[j].src);
			snprintf(ct->binds[j].dst, sizeof(ct->binds[j].dst), "%s", c->binds[j].dst);
			ct->binds[j].ro = c->binds[j].ro;
		}
	}
}
