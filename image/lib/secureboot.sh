# Sourced by the UKI and ESP stages: Secure Boot signing with the db key of
# signing.secure_boot ($BERTH_SECURE_BOOT, the absolute key prefix, "" for
# none).

# sb_sign IN OUT: OUT is IN with an Authenticode signature by the db key.
# sbsign puts the current time into the signature (PKCS#7 signingTime):
# the clock is frozen at SOURCE_DATE_EPOCH (libfaketime) so that two builds
# give the same bytes. Firmware does not check signing times.
sb_sign() {
	local when
	when=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')
	TZ=UTC faketime -f "$when" sbsign --key "$BERTH_SECURE_BOOT-db.key" \
		--cert "$BERTH_SECURE_BOOT-db.crt" --output "$2" "$1"
	sbverify --cert "$BERTH_SECURE_BOOT-db.crt" "$2" >/dev/null
}
