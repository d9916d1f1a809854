#!/bin/sh
# Keys that are not text: --hex reads every key argument as hexadecimal
# bytes (either case), so a key with a NUL byte can be written, read,
# tested and deleted; get --hash reads by the key hash that list prints.
set -eu
name=cli_keys
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive

# --hex "61" is the key "a": its hash is the known xxh3 vector.
expect_rc 0 "$CLI" put --hex "$s" 61 via-hex
[ "$("$CLI" get "$s" a)" = via-hex ] || fail "--hex 61 is the key a"
"$CLI" list "$s" | grep -q '^e6c632b61e964e1f ' || fail "list shows xxh3(\"a\")"

# A key with a NUL byte ("a\0b"), written with --hex, read back three ways.
expect_rc 0 "$CLI" put --hex "$s" 610062 nul-key-value
[ "$("$CLI" get --hex "$s" 610062)" = nul-key-value ] || fail "get --hex of a NUL key"
[ "$("$CLI" get "$s" a)" = via-hex ] || fail "the NUL key is not the key a"
hash=$("$CLI" list "$s" | awk '$2 == 13 {print $1}') # the value "nul-key-value" is 13 bytes
[ "${#hash}" -eq 16 ] || fail "list prints 16 hex digits of the NUL key's hash: '$hash'"
[ "$("$CLI" get --hash "$s" "$hash")" = nul-key-value ] || fail "get --hash"
[ "$("$CLI" get --hash "$s" "0x$hash")" = nul-key-value ] || fail "get --hash with 0x"
upper=$(printf '%s' "$hash" | tr 'a-f' 'A-F')
[ "$("$CLI" get --hash "$s" "0X$upper")" = nul-key-value ] || fail "get --hash in upper case"

# Either case; exists, import and del take --hex too.
expect_rc 0 "$CLI" put --hex "$s" 00ff10 mixed
[ "$("$CLI" get --hex "$s" 00FF10)" = mixed ] || fail "--hex in upper case"
expect_rc 0 "$CLI" exists --hex "$s" 610062
grep -qx yes "$dir/out" || fail "exists --hex"
printf 'streamed' | "$CLI" import --hex "$s" 0001
[ "$("$CLI" get --hex "$s" 0001)" = streamed ] || fail "import --hex"
expect_rc 0 "$CLI" del --hex "$s" 610062
expect_rc 1 "$CLI" get --hex "$s" 610062
expect_rc 1 "$CLI" get --hash "$s" "$hash"
expect_rc 1 "$CLI" exists --hex "$s" 610062
expect_rc 1 "$CLI" del --hex "$s" 610062
# Values stay as given with --hex.
expect_rc 0 "$CLI" put --hex "$s" 62 6566
[ "$("$CLI" get "$s" b)" = 6566 ] || fail "--hex leaves the value alone"
# The empty key, as text and as hex: its hash is the known vector.
expect_rc 0 "$CLI" put --hex "$s" "" empty-key
[ "$("$CLI" get "$s" "")" = empty-key ] || fail "the empty key"
[ "$("$CLI" get --hash "$s" 2d06800538d394c2)" = empty-key ] || fail "hash of the empty key"

# Arguments that are not hex, or not a hash, are usage errors.
for bad in 6 6g "61 62" 0x61; do
    expect_rc 2 "$CLI" get --hex "$s" "$bad"
    has "$dir/err" "not a hexadecimal key" || fail "message for --hex '$bad'"
done
for bad in "" 0x xyz 12345678901234567 0x12345678901234567; do
    expect_rc 2 "$CLI" get --hash "$s" "$bad"
    has "$dir/err" "not a key hash" || fail "message for --hash '$bad'"
done
expect_rc 2 "$CLI" get --hash --hex "$s" 61
expect_rc 2 "$CLI" put --hash "$s" 61 v
expect_rc 2 "$CLI" del --hash "$s" 61
echo "$name: ok"
