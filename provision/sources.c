/* The metadata services (sources.h); their protocols and sources are in docs/clouds.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cloud.h"
#include "http.h"
#include "say.h"
#include "sources.h"

#define AZURE_API "?api-version=2021-01-01"

/* A response: a document and its headers (a larger one is refused as it comes). */
static char resp_buf[DOC_MAX + 16384];
static struct http_resp resp;

/* One service being read. */
struct service {
	enum provision_source source;
	const char *name;
	struct sockaddr_in to;
	uint64_t deadline;
	char headers[512]; /* sent with every request */
	bool renewed;	   /* EC2: a second token was asked for */
	bool hung;	   /* a request ran out of time: it is asked nothing more */
};

static const char *why(int r)
{
	return r == -ETIMEDOUT ? "no answer in time"
	       : r == -EFBIG   ? "larger than 256 KiB"
	       : r == -EINVAL  ? "not an HTTP response"
	       : r == -EPROTO  ? "no Metadata-Flavor: Google in the response"
			       : strerror(-r);
}

static int request(struct service *s, const char *method, const char *path, const char *body);

/* An EC2 session token into the headers of the GETs to come: false when none. */
static bool ec2_token(struct service *s)
{
	snprintf(s->headers, sizeof(s->headers), "X-aws-ec2-metadata-token-ttl-seconds: 300\r\n");
	int st = request(s, "PUT", "/latest/api/token", "");
	if (st == 403)
		say("provision: ec2: the token was refused (403): the instance metadata service is "
		    "off");
	if (st != 200 || resp.body_len == 0 || resp.body_len > 256 ||
	    strcspn(resp.body, "\r\n") != resp.body_len)
		return false;
	snprintf(s->headers, sizeof(s->headers), "X-aws-ec2-metadata-token: %s\r\n", resp.body);
	return true;
}

/*
 * METHOD PATH with S's headers and BODY: the status (the response in resp),
 * or -errno, said on the console. EC2's expired token is replaced, once a
 * read (a server that refuses every token must not hold us until the
 * deadline); GCE's server must say it is one. After a request that ran out
 * of time the service is asked nothing more: each would wait as long.
 */
static int request(struct service *s, const char *method, const char *path, const char *body)
{
	uint64_t now = boottime_ms();
	uint64_t until = now + HTTP_REQUEST_MS < s->deadline ? now + HTTP_REQUEST_MS : s->deadline;

	if (s->hung)
		return -ETIMEDOUT;
	int r = http_request(&s->to, NULL, method, path, s->headers, body, until, resp_buf,
			     sizeof(resp_buf), &resp);

	if (r == 0 && s->source == SOURCE_GCE &&
	    !http_header_is(&resp, "Metadata-Flavor", "Google"))
		r = -EPROTO;
	if (r == 0 && resp.status == 401 && s->source == SOURCE_EC2 && !strcmp(method, "GET") &&
	    !s->renewed) {
		s->renewed = true;
		if (ec2_token(s))
			return request(s, method, path, body);
	}
	s->hung = r == -ETIMEDOUT;
	if (r < 0)
		say("provision: %s: %s http://%s:%u%s: %s", s->name, method,
		    inet_ntoa(s->to.sin_addr), ntohs(s->to.sin_port), path, why(r));
	return r < 0 ? r : resp.status;
}

/*
 * PATH's body into D: a 404 is an empty document (none given), another
 * status a bad one. The status, or -errno.
 */
static int doc_get(struct service *s, const char *path, struct doc *d)
{
	int st = request(s, "GET", path, "");

	d->file = path + 1; /* after the source's name and a '/' in messages */
	d->len = 0;
	d->text[0] = '\0';
	d->read = st == 404 || (st == 200 && resp.body_len <= DOC_MAX);
	if (st == 200 && d->read) {
		memcpy(d->text, resp.body, resp.body_len + 1);
		d->len = resp.body_len;
	} else if (st == 200) {
		say("provision: %s: %s: larger than 256 KiB; nothing of it is used", s->name, path);
	} else if (st > 0 && st != 404) {
		say("provision: %s: %s: status %d; nothing of it is used", s->name, path, st);
	}
	return st;
}

/* PATH's body, at most SIZE - 1 bytes, into OUT ("" for a 404): false when bad, said. */
static bool text_get(struct service *s, const char *path, char *out, size_t size)
{
	int st = request(s, "GET", path, "");

	out[0] = '\0';
	if (st == 404)
		return true;
	if (st == 200 && resp.body_len >= size)
		say("provision: %s: %s: longer than %zu bytes", s->name, path, size - 1);
	else if (st > 0 && st != 200)
		say("provision: %s: %s: status %d", s->name, path, st);
	if (st != 200 || resp.body_len >= size)
		return false;
	memcpy(out, resp.body, resp.body_len + 1);
	return true;
}

static char hostname[256];
static char keys[CLOUD_KEYS_MAX][METADATA_KEY_MAX];
static const char *key_list[CLOUD_KEYS_MAX];

/* HOSTNAME and the N keys of key_list as D, a meta-data document. */
static void meta_make(struct service *s, struct doc *d, size_t n)
{
	ssize_t len = cloud_meta(d->text, DOC_MAX + 1, hostname, key_list, n);

	d->read = len >= 0 && (size_t)len <= DOC_MAX;
	d->len = d->read ? (size_t)len : 0;
	if (!d->read)
		say("provision: %s: its meta-data is larger than 256 KiB; nothing of it is used",
		    s->name);
}

static bool ec2_read(struct service *s, struct doc *user, struct doc *meta)
{
	unsigned idx[CLOUD_KEYS_MAX];
	char path[96];
	int n = 0;

	if (!ec2_token(s))
		return false;
	doc_get(s, "/latest/user-data", user);
	meta->file = "latest/meta-data";
	meta->read = text_get(s, "/latest/meta-data/local-hostname", hostname, sizeof(hostname)) &&
		     text_get(s, "/latest/meta-data/public-keys/", keys[0], sizeof(keys[0]));
	if (meta->read && (n = ec2_key_indexes(keys[0], idx)) < 0) {
		say("provision: ec2: /latest/meta-data/public-keys/: not N=NAME lines");
		meta->read = false;
	}
	for (int i = 0; meta->read && i < n; i++) {
		snprintf(path, sizeof(path), "/latest/meta-data/public-keys/%u/openssh-key",
			 idx[i]);
		meta->read = text_get(s, path, keys[i], sizeof(keys[i]));
		key_list[i] = keys[i];
	}
	cloud_hostname(hostname, false);
	if (meta->read)
		meta_make(s, meta, (size_t)n);
	return true;
}

static bool gce_read(struct service *s, struct doc *user, struct doc *meta)
{
	static char attr[DOC_MAX + 1];
	int n = 0;

	snprintf(s->headers, sizeof(s->headers), "Metadata-Flavor: Google\r\n");
	int st = request(s, "GET", "/computeMetadata/v1/instance/hostname", "");
	if (st != 200 && st != 404)
		return false;
	snprintf(hostname, sizeof(hostname), "%s", st == 200 ? resp.body : "");
	cloud_hostname(hostname, true);
	doc_get(s, "/computeMetadata/v1/instance/attributes/user-data", user);
	meta->file = "computeMetadata/v1/instance/attributes/ssh-keys";
	meta->read =
	    text_get(s, "/computeMetadata/v1/instance/attributes/ssh-keys", attr, sizeof(attr));
	if (meta->read && (n = gce_ssh_keys(attr, key_list)) < 0) {
		say("provision: gce: ssh-keys: a line without USER:");
		meta->read = false;
	}
	if (meta->read)
		meta_make(s, meta, (size_t)n);
	return true;
}

static bool azure_read(struct service *s, struct doc *user, struct doc *meta)
{
	int n = 0;

	snprintf(s->headers, sizeof(s->headers), "Metadata: true\r\n");
	int st = request(s, "GET", "/metadata/instance/compute/name" AZURE_API "&format=text", "");
	if (st != 200 || resp.body_len >= sizeof(hostname))
		return false;
	memcpy(hostname, resp.body, resp.body_len + 1);
	cloud_hostname(hostname, false);
	doc_get(s, "/metadata/instance/compute/userData" AZURE_API "&format=text", user);
	/* base64 of the document: decoded where it is, being longer than it */
	ssize_t len = user->read ? base64_decode(user->text, user->len, user->text, DOC_MAX) : 0;
	if (len < 0) {
		say("provision: azure: userData: %s; nothing of it is used",
		    len == -EFBIG ? "larger than 256 KiB" : "not base64");
		user->read = false;
	}
	user->len = len < 0 ? 0 : (size_t)len;
	user->text[user->len] = '\0';
	meta->file = "metadata/instance/compute/publicKeys";
	st = request(s, "GET", "/metadata/instance/compute/publicKeys" AZURE_API, "");
	meta->read =
	    st == 404 || (st == 200 && (n = azure_keys(resp.body, resp.body_len, keys)) >= 0);
	if (st == 200 && !meta->read)
		say("provision: azure: publicKeys: not a JSON list of {keyData, path}");
	for (int i = 0; i < n; i++)
		key_list[i] = keys[i];
	if (meta->read)
		meta_make(s, meta, (size_t)n);
	return true;
}

static bool openstack_read(struct service *s, struct doc *user, struct doc *meta)
{
	if (doc_get(s, "/openstack/latest/meta_data.json", meta) != 200)
		return false;
	doc_get(s, "/openstack/latest/user_data", user);
	return true;
}

bool service_read(enum provision_source source, const struct sockaddr_in *to, uint64_t deadline,
		  struct doc *user, struct doc *meta)
{
	static bool (*const read[])(struct service *, struct doc *, struct doc *) = {
	    [SOURCE_EC2] = ec2_read,
	    [SOURCE_GCE] = gce_read,
	    [SOURCE_AZURE] = azure_read,
	    [SOURCE_OPENSTACK] = openstack_read,
	};
	struct service s = {source, provision_source_words[source], *to, deadline, "", false,
			    false};

	hostname[0] = '\0';
	if (!read[source](&s, user, meta))
		return false;
	say("provision: %s: the metadata service at %s:%u answered", s.name,
	    inet_ntoa(to->sin_addr), ntohs(to->sin_port));
	return true;
}

void azure_ready(const struct sockaddr_in *to, uint64_t deadline)
{
	static char health[2048];
	struct service s = {SOURCE_AZURE,
			    "azure",
			    *to,
			    deadline,
			    "x-ms-version: 2012-11-30\r\nx-ms-agent-name: berth\r\n",
			    false,
			    false};
	struct goalstate gs;
	int st = request(&s, "GET", "/machine/?comp=goalstate", "");

	if (st != 200 || azure_goalstate(resp.body, &gs) < 0) {
		say("provision: azure: no goal state from the WireServer (%s); not reported ready",
		    st == 200 ? "no Incarnation, ContainerId or RoleInstance's InstanceId"
		    : st > 0  ? "unexpected status"
			      : why(st));
		return;
	}
	if (azure_health(health, sizeof(health), &gs) < 0) {
		say("provision: azure: the goal state's values are too long; not reported ready");
		return;
	}
	snprintf(s.headers, sizeof(s.headers),
		 "x-ms-version: 2012-11-30\r\nx-ms-agent-name: berth\r\n"
		 "Content-Type: text/xml;charset=utf-8\r\n");
	/* Tried three times, as the WireServer may be busy (Microsoft's agents retry). */
	for (int i = 0; i < 3 && boottime_ms() < deadline; i++) {
		st = request(&s, "POST", "/machine?comp=health", health);
		if (st == 200) {
			say("provision: azure: reported ready to the WireServer (incarnation %s)",
			    gs.incarnation);
			return;
		}
	}
	say("provision: azure: the WireServer did not take the ready report; Azure will count "
	    "this machine as failed");
}
