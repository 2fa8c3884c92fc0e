# Sourced by stage scripts: UUIDs derived from the manifest, so that the
# same manifest always gives the same disk (no random identifiers).

# derive_uuid LABEL -> a version-4-formatted UUID from sha256(name, LABEL).
derive_uuid() {
	local h
	h=$(printf 'berth\0%s\0%s' "$BERTH_NAME" "$1" | sha256sum | cut -c1-32)
	# version 4, RFC 4122 variant
	h=${h:0:12}4${h:13:3}$(printf '%x' $(((0x${h:16:1} & 0x3) | 0x8)))${h:17:15}
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}
