/*
 * berth-update: installs signed bundles into the inactive A/B slot and
 * manages the boot entries that choose between the slots.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "update.h"

static void usage(void)
{
	fputs("usage: berth-update status [--json]\n"
	      "       berth-update install FILE|-|http://URL [--allow-downgrade] [--dry-run]\n"
	      "       berth-update check\n"
	      "       berth-update mark-good\n"
	      "       berth-update rollback\n",
	      stderr);
}

/* install's arguments: one source, the options before or after it. -1 on a usage error. */
static int install_args(int argc, char **argv, const char **source, unsigned *flags)
{
	*source = NULL;
	*flags = 0;
	for (int i = 2; i < argc; i++) {
		unsigned f = strcmp(argv[i], "--allow-downgrade") == 0 ? INSTALL_DOWNGRADE
			     : strcmp(argv[i], "--dry-run") == 0       ? INSTALL_DRY_RUN
								       : 0;
		if (f && !(*flags & f))
			*flags |= f;
		else if (!f && !*source && (argv[i][0] != '-' || !argv[i][1]))
			*source = argv[i];
		else
			return -1;
	}
	return *source ? 0 : -1;
}

static const char *state_name(const struct esp_entry *e)
{
	static const char *const names[] = {"good", "pending", "bad"};

	return e->named ? names[entry_state(&e->n)] : "unknown";
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_entry_fields(const struct esp_entry *e)
{
	printf("\"file\":");
	json_string(e->file);
	printf(",\"version\":");
	if (e->named)
		json_string(e->n.version);
	else
		printf("null");
	printf(",\"state\":\"%s\"", state_name(e));
	if (e->named && entry_state(&e->n) == ENTRY_PENDING)
		printf(",\"tries_left\":%d", e->n.left);
}

static void channel_json(const struct follow *f)
{
	char reboot[REBOOT_POLICY_LEN + 1];

	if (!f) {
		printf("null");
		return;
	}
	reboot_policy_format(&f->conf, reboot);
	printf("{\"url\":");
	json_string(f->conf.url);
	printf(",\"check_interval\":%u,\"reboot\":\"%s\",\"place\":", f->conf.interval, reboot);
	json_string(f->place);
	printf(",\"serial\":%llu,\"last_check\":", (unsigned long long)f->serial);
	json_string(f->last);
	printf(",\"next_check_by\":");
	json_string(f->next);
	putchar('}');
}

static void status_json(const struct boot *b, const struct esp_entries *l, int booted,
			const struct follow *f)
{
	char other = other_slot(b->slot);
	const struct esp_entry *o = slot_entry(l, other);

	printf("{\"booted\":{\"slot\":\"%c\",\"version\":", b->slot);
	json_string(b->version);
	printf(",\"entry\":");
	if (booted >= 0)
		json_string(l->e[booted].file);
	else
		printf("null");
	printf("},\"other\":{\"slot\":\"%c\",", other);
	if (o) {
		json_entry_fields(o);
	} else {
		printf("\"state\":\"empty\"");
	}
	printf("},\"entries\":[");
	for (size_t i = 0; i < l->n; i++) {
		const struct esp_entry *e = &l->e[i];
		printf("%s{", i ? "," : "");
		json_entry_fields(e);
		if (e->slot)
			printf(",\"slot\":\"%c\"", e->slot);
		else
			printf(",\"slot\":null");
		printf(",\"booted\":%s}", (int)i == booted ? "true" : "false");
	}
	printf("],\"channel\":");
	channel_json(f);
	printf("}\n");
}

static void state_text(const struct esp_entry *e, char *buf, size_t len)
{
	if (e->named && entry_state(&e->n) == ENTRY_PENDING)
		snprintf(buf, len, "pending %d", e->n.left);
	else
		snprintf(buf, len, "%s", state_name(e));
}

static void status_text(const struct boot *b, const struct esp_entries *l, int booted,
			const struct follow *f)
{
	char other = other_slot(b->slot), state[32];
	const struct esp_entry *o = slot_entry(l, other);

	printf("booted: slot %c, version %s, entry %s\n", b->slot, b->version,
	       booted >= 0 ? l->e[booted].file : "(unknown)");
	if (o) {
		state_text(o, state, sizeof(state));
		printf("other:  slot %c, version %s, %s\n", other, o->n.version, state);
	} else {
		printf("other:  slot %c, empty\n", other);
	}
	printf("entries (boot order):\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct esp_entry *e = &l->e[i];
		state_text(e, state, sizeof(state));
		printf("  %-32s %-12s slot %c  %s%s\n", e->file, e->named ? e->n.version : "?",
		       e->slot ? e->slot : '?', state, (int)i == booted ? "  (booted)" : "");
	}
	if (!f) {
		printf("channel: none\n");
		return;
	}
	reboot_policy_format(&f->conf, state);
	printf("channel: %s, checked every %u s, reboot %s\n", f->conf.url, f->conf.interval,
	       state);
	printf("place:   %s%% of the fleet\nindex:   serial %llu\nlast check: %s\n",
	       *f->place ? f->place : "?", (unsigned long long)f->serial, f->last);
	if (*f->next)
		printf("next check: by %s\n", f->next);
}

static int status(bool json)
{
	static struct esp_entries l;
	static struct follow f;
	struct boot b;
	int booted, r;

	if (boot_probe(&b) < 0 || read_entries(&b, false, &l, &booted) < 0)
		return EXIT_REFUSED;
	if ((r = follow_read(&f)) < 0 && r != -ENOENT)
		return EXIT_REFUSED;
	if (json)
		status_json(&b, &l, booted, r == 0 ? &f : NULL);
	else
		status_text(&b, &l, booted, r == 0 ? &f : NULL);
	return EXIT_OK;
}

static int mark_good(void)
{
	char counted[ENTRY_FILE_MAX], good[ENTRY_FILE_MAX], path[PATH_MAX_ENTRY];
	struct entry_name n;
	struct boot b;
	struct disk d;

	if (take_lock() < 0 || private_mounts() < 0)
		return EXIT_REFUSED;
	int r = booted_counted_entry(counted, sizeof(counted));
	if (r == -ENOENT) {
		printf("already good\n");
		return EXIT_OK;
	}
	if (r < 0)
		return EXIT_REFUSED;
	if (entry_parse(counted, &n) < 0) {
		complain("the booted entry %s is not named <name>_<version>[+LEFT[-DONE]].efi",
			 counted);
		return EXIT_REFUSED;
	}
	n.left = n.done = -1;
	/* The floor first: a release is never good without its epoch counted. */
	if (entry_format(&n, good, sizeof(good)) < 0 || boot_probe(&b) < 0 || floor_raise(&b) < 0 ||
	    disk_probe(&b, &d) < 0 || esp_mount(d.esp, true) < 0)
		return EXIT_REFUSED;
	if (pathf(path, sizeof(path), ENTRY_DIR "/%s", counted) == 0 && access(path, F_OK) < 0 &&
	    pathf(path, sizeof(path), ENTRY_DIR "/%s", good) == 0 && access(path, F_OK) == 0) {
		/* Marked good earlier in this boot: the variable still names the old file. */
		printf("already good\n");
		r = 0;
	} else {
		r = esp_rename(counted, good);
		if (r == 0)
			printf("marked %s good\n", good);
	}
	if (esp_umount() < 0 || r < 0)
		return EXIT_REFUSED;
	return EXIT_OK;
}

static int rollback(void)
{
	static struct esp_entries l;
	char bad[ENTRY_FILE_MAX];
	struct boot b;
	int booted;

	if (take_lock() < 0 || boot_probe(&b) < 0 || read_entries(&b, true, &l, &booted) < 0)
		return EXIT_REFUSED;
	char other = other_slot(b.slot);
	const struct esp_entry *o = slot_entry(&l, other);
	int r = -EPERM;
	/*
	 * Only to a release that has booted good: were the other slot's entry
	 * pending and failed its tries, no good entry would be left, and
	 * systemd-boot would go on starting a broken release.
	 */
	if (o && entry_state(&o->n) == ENTRY_PENDING) {
		complain("refused: slot %c's entry %s has never booted good; should it fail, no "
			 "good entry would be left to fall back to",
			 other, o->file);
		goto out;
	}
	if (!o || entry_state(&o->n) != ENTRY_GOOD) {
		complain("refused: slot %c has no good boot entry to roll back to", other);
		goto out;
	}
	if (booted < 0) {
		complain("refused: cannot tell which boot entry was booted");
		goto out;
	}
	struct entry_name n = l.e[booted].n;
	n.left = 0;
	if ((r = entry_format(&n, bad, sizeof(bad))) < 0)
		goto out;
	r = strcmp(bad, l.e[booted].file) ? esp_rename(l.e[booted].file, bad) : 0;
out:
	if (esp_umount() < 0 && r == 0)
		r = -EIO;
	if (r < 0)
		return EXIT_REFUSED;
	printf("marked %s bad; rebooting into slot %c (%s)\n", bad, other, o->file);
	return reboot_system() < 0 ? EXIT_REFUSED : EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	/* Each step's line when it happens, also in berth-init's log of a check. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "status") == 0 && argc <= 3) {
		bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
		if (argc == 2 || json)
			return status(json);
	} else if (strcmp(cmd, "install") == 0) {
		const char *source;
		unsigned flags;
		if (install_args(argc, argv, &source, &flags) == 0)
			return install(source, flags, NULL) < 0 ? EXIT_REFUSED : EXIT_OK;
	} else if (strcmp(cmd, "check") == 0 && argc == 2) {
		return check() < 0 ? EXIT_REFUSED : EXIT_OK;
	} else if (strcmp(cmd, "mark-good") == 0 && argc == 2) {
		return mark_good();
	} else if (strcmp(cmd, "rollback") == 0 && argc == 2) {
		return rollback();
	}
	usage();
	return EXIT_USAGE;
}
