#!/bin/bash
# `berth keygen --secure-boot PREFIX`: the nine files, their modes and
# chain, sbsign/sbverify with the db key, and no file overwritten or left
# behind when it fails. (That firmware enrols the .auth files it writes is
# tests/e2e/test_secureboot.py's, with the committed test keys.)
set -u
cd "$(dirname "$0")/../.."
berth=$PWD/build/berth
tmp=$(mktemp -d /tmp/berth-keygen-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - keygen: $name"; else echo "FAIL - keygen: $name"; fi
}

cd "$tmp" || exit 1
check "writes the keys" "$berth" keygen --secure-boot acme
for r in PK KEK db; do
	for e in key crt auth; do
		check "acme-$r.$e exists" test -s "acme-$r.$e"
	done
	check "the $r key is mode 0600" test "$(stat -c %a "acme-$r.key")" = 600
	check "the $r certificate names owner and role" \
		grep -q "CN *= *acme " <(openssl x509 -in "acme-$r.crt" -noout -subject)
	check "the $r key matches its certificate" test \
		"$(openssl pkey -in "acme-$r.key" -pubout)" = \
		"$(openssl x509 -in "acme-$r.crt" -noout -pubkey)"
	# The .auth ends with the certificate's EFI signature list (after the signed header).
	cert-to-efi-sig-list -g 8207a45c-f29e-44a4-85ef-e6f1b4288bd8 "acme-$r.crt" "$r.esl" >/dev/null
	size=$(stat -c %s "$r.esl")
	check "$r.auth carries the $r certificate" cmp -s "$r.esl" <(tail -c "$size" "acme-$r.auth")
done
cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi boot.efi
check "sbsign signs with the db key" sbsign --key acme-db.key --cert acme-db.crt \
	--output signed.efi boot.efi
check "sbverify checks it with the db certificate" sbverify --cert acme-db.crt signed.efi
check "... and not with the KEK's" test "$(sbverify --cert acme-KEK.crt signed.efi 2>&1 >/dev/null; echo $?)" != 0

sum=$(cat acme-* | sha256sum)
"$berth" keygen --secure-boot acme >/dev/null 2>err
check "a second run exits 1" test $? = 1
check "... saying which file exists" grep -q "acme-PK.key exists; not overwriting it" err
check "... and changes nothing" test "$(cat acme-* | sha256sum)" = "$sum"

# One name taken: nothing is written, the file in the way is kept.
echo mine >other-db.auth
"$berth" keygen --secure-boot other >/dev/null 2>&1
check "one existing file: exit 1" test $? = 1
check "... no other file written" test "$(ls other-* | tr '\n' ' ')" = "other-db.auth "
check "... the existing one kept" test "$(cat other-db.auth)" = mine

# A tool missing: exit 1 and nothing left behind.
PATH=/nonexistent "$berth" keygen --secure-boot third >/dev/null 2>err
check "a failing tool: exit 1" test $? = 1
check "... its message shown" grep -q "openssl failed" err
check "... no file left behind" test -z "$(ls third-* 2>/dev/null)"

"$berth" keygen --secure-boot >/dev/null 2>&1
check "no prefix: usage, exit 2" test $? = 2
"$berth" keygen --secure-boot dir/ >/dev/null 2>&1
check "a prefix ending in /: exit 2" test $? = 2
exit 0
