/*
 * The manifest's update: section: what the image accepts from berth-update
 * (its compatible string and the public keys bundles must be signed with),
 * the key `berth build` signs this release's bundle with, how long
 * berth-init gives a new release to come up healthy, the release's
 * security epoch (bundles of a lower one are refused once it ran good),
 * and the update channel its machines follow (manifest_channel.c). Key
 * files are read here, at load time, so a missing or malformed one is
 * reported at its line; a secret key is only checked (its mode, and that
 * its public half is among the keys), never kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "manifest_rules.h"
#include "manifest_schema.h"

static int take_key(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v);
static int take_signing_key(struct ctx *c, const char *path, const yaml_node_t *k,
			    const yaml_node_t *v);

static const char *parse_epoch(const char *s, void *dst)
{
	if (security_epoch_parse(s, strlen(s), dst))
		return "expected a whole number from 0 to 65535";
	return NULL;
}
_Static_assert(SECURITY_EPOCH_MAX == 65535, "parse_epoch's message names the limit");

static const struct field update_fields[] = {
    MF_TEXT(struct manifest, "compatible", false, update.compatible, "compatible string",
	    mf_check_compatible),
    {.key = "keys", .kind = F_LIST, .required = true, .max = UPDATE_KEYS_MAX, .item = take_key},
    MF_FUNC("signing_key", false, take_signing_key),
    MF_NUMBER(struct manifest, "health_deadline", false, update.health_deadline, "deadline",
	      mf_parse_deadline),
    MF_NUMBER(struct manifest, "security_epoch", false, update.security_epoch, "epoch",
	      parse_epoch),
    MF_CHANNEL_FIELDS,
    {0},
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The key file PATH (relative to the manifest's folder) into KEY, or the error at V. */
static int read_key(struct ctx *c, const char *field, const yaml_node_t *v, const char *path,
		    uint8_t *key, size_t len, const char *what)
{
	char buf[SHOW_MAX + 4];
	const char *why;
	int r = mf_check_key_place(c, field, v->start_mark, path), dir;

	if (r)
		return r;
	if ((dir = mf_open_dir(c)) < 0)
		return dir;
	r = keyfile_read(dir, path, key, len, &why);
	close(dir);
	mf_show(path, strlen(path), buf);
	if (r == -EINVAL)
		return mf_fail_at(c, v->start_mark, "%s: '%s' %s (expected %s)", field, buf, why,
				  what);
	if (r)
		return mf_fail_at(c, v->start_mark,
				  "%s: '%s' (relative to the manifest's folder): %s", field, buf,
				  strerror(-r));
	return 0;
}

/* Each key goes to /etc/berth/keys/<file name>: two of one name would collide there. */
static int take_key(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v)
{
	struct manifest *m = c->m;
	struct manifest_key *key = &m->update.keys[i];
	int r = mf_take_text(c, path, v, v, mf_check_src, "key path", key->path, sizeof(key->path));

	if (r == 0)
		r = read_key(c, path, v, key->path, key->key, sizeof(key->key),
			     "an Ed25519 public key: 64 lower-case hex digits and a newline");
	if (r)
		return r;
	for (size_t j = 0; j < i; j++) {
		if (strcmp(base_name(m->update.keys[j].path), base_name(key->path)))
			continue;
		const yaml_node_t *first =
		    yaml_document_get_node(c->doc, seq->data.sequence.items.start[j]);
		return mf_fail_at(c, v->start_mark,
				  "%s: a key file named '%s' is already listed (line %zu); the "
				  "image keeps keys by file name",
				  path, base_name(key->path), first->start_mark.line + 1);
	}
	m->update.n_keys = i + 1;
	return 0;
}

/* The secret key's public half goes to c->signer, for check_signer. */
static int take_signing_key(struct ctx *c, const char *path, const yaml_node_t *k,
			    const yaml_node_t *v)
{
	char *dst = c->m->update.signing_key;
	uint8_t secret[KEYFILE_SECRET], again[KEYFILE_SECRET], pk[KEYFILE_PUBLIC];
	char buf[SHOW_MAX + 4];
	int r, dir;

	if (v->type == YAML_SCALAR_NODE && mf_is_null(v))
		return 0;
	r = mf_take_text(c, path, k, v, mf_check_src, "key path", dst,
			 sizeof(c->m->update.signing_key));
	if (r == 0)
		r = read_key(c, path, v, dst, secret, sizeof(secret),
			     "an Ed25519 secret key: 128 lower-case hex digits and a newline");
	if (r == 0) {
		/* libsodium's secret key is the seed and the public key it gives. */
		crypto_sign_seed_keypair(pk, again, secret);
		if (memcmp(pk, secret + KEYFILE_PUBLIC, KEYFILE_PUBLIC))
			r = mf_fail_at(c, v->start_mark,
				       "%s: the two halves of '%s' do not belong together: the key "
				       "file is damaged",
				       path, mf_show(dst, strlen(dst), buf));
		memcpy(c->signer, pk, sizeof(c->signer));
	}
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(again, sizeof(again));
	if (r)
		return r;
	dir = mf_open_dir(c);
	if (dir < 0)
		return dir;
	r = mf_check_private(c, path, v->start_mark, dir, dst);
	close(dir);
	return r;
}

/* A bundle signed with update.signing_key must be one this image accepts. */
static int check_signer(struct ctx *c, const yaml_node_t *map)
{
	const struct manifest *m = c->m;
	const yaml_node_t *key, *val;

	for (size_t i = 0; i < m->update.n_keys; i++)
		if (!memcmp(m->update.keys[i].key, c->signer, sizeof(c->signer)))
			return 0;
	key = mf_find_key(c, map, "signing_key", &val);
	return mf_fail_at(c, mf_value_mark(key, val),
			  "update.signing_key: its public key is not among update.keys, so no "
			  "machine of this image would accept the bundles it signs");
}

int mf_take_update(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	const yaml_node_t *keys, *list;
	int r;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, mf_value_mark(k, v), "%s must be a mapping", path);
	r = mf_walk_map(c, v, update_fields, path);
	if (r == 0 && c->m->update.n_keys == 0) {
		keys = mf_find_key(c, v, "keys", &list);
		return mf_fail_at(c, mf_value_mark(keys, list),
				  "%s.keys: at least one public key is needed", path);
	}
	if (r == 0 && c->m->update.signing_key[0])
		r = check_signer(c, v);
	if (r == 0)
		r = mf_check_channel_given(c, v, path);
	return r;
}
