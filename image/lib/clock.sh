# Sourced by stage scripts (and the bench's Debian baseline): running a
# program that stamps the current time into what it writes.

# at_epoch COMMAND...: COMMAND with the clock stopped at SOURCE_DATE_EPOCH
# (libfaketime), so that two builds give the same bytes. For mkfs.ext4
# this is what E2FSPROGS_FAKE_TIME cannot be: 0 means "not set" to it.
at_epoch() {
	TZ=UTC faketime -f "$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')" "$@"
}
