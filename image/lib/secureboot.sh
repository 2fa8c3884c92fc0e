# Sourced by the UKI and ESP stages: Secure Boot signing with the db key of
# signing.secure_boot ($BERTH_DB_KEY and $BERTH_DB_CERT, "" for none).
. "$BERTH_SRC/image/lib/clock.sh"

# sb_sign IN OUT: OUT is IN with an Authenticode signature by the db key.
# sbsign puts the current time into the signature (PKCS#7 signingTime):
# the clock is frozen at SOURCE_DATE_EPOCH so that two builds give the same
# bytes. Firmware does not check signing times.
sb_sign() {
	at_epoch sbsign --key "$BERTH_DB_KEY" --cert "$BERTH_DB_CERT" --output "$2" "$1"
	sbverify --cert "$BERTH_DB_CERT" "$2" >/dev/null
}
