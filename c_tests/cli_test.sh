#!/bin/sh
# Drives the rdrive command-line tool the way a script would: outputs,
# binary safety, and exit codes.
set -eu
name=cli_test
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive

expect_rc 0 "$CLI" put "$s" alice hello
[ "$("$CLI" get "$s" alice)" = hello ] || fail "get after put"

# Binary-safe import and get (including NUL bytes), from a file and stdin.
head -c 100000 /dev/urandom >"$dir/bin"
printf '\000\000\000' >>"$dir/bin"
expect_rc 0 "$CLI" import "$s" blob "$dir/bin"
"$CLI" get "$s" blob >"$dir/bin.out"
cmp -s "$dir/bin" "$dir/bin.out" || fail "binary round trip"
printf 'from stdin' | "$CLI" import "$s" piped
[ "$("$CLI" get "$s" piped)" = "from stdin" ] || fail "import from stdin"
printf 'dash' | "$CLI" import "$s" dashed -
[ "$("$CLI" get "$s" dashed)" = "dash" ] || fail "import from -"

expect_rc 0 "$CLI" exists "$s" alice
grep -qx yes "$dir/out" || fail "exists prints yes"
expect_rc 1 "$CLI" exists "$s" nobody
grep -qx no "$dir/out" || fail "exists prints no"
expect_rc 1 "$CLI" get "$s" nobody
expect_rc 0 "$CLI" del "$s" alice
expect_rc 1 "$CLI" del "$s" alice

expect_rc 0 "$CLI" list "$s"
[ "$(wc -l <"$dir/out")" -eq 3 ] || fail "list shows the 3 live entries"
[ "$(grep -c ' ok$' "$dir/out")" -eq 3 ] || fail "list marks checksums ok"
expect_rc 0 "$CLI" info "$s"
grep -q "live entries: 3" "$dir/out" || fail "info live entries"
expect_rc 0 "$CLI" check "$s"
grep -q "3 live entries checked, 0 damaged" "$dir/out" || fail "check summary"

expect_rc 0 "$CLI" compact "$s"
[ ! -s "$dir/err" ] || fail "compact progress only on a terminal (cli_progress_test.sh)"
grep -q "compacted:" "$dir/out" || fail "compact summary"
expect_rc 0 "$CLI" info "$s"
grep -q "reclaimable:  0 bytes" "$dir/out" || fail "nothing reclaimable after compact"

# Damage one byte of the big value in place: check reports it (exit 4).
offset=$("$CLI" list "$s" | awk '$2 == 100003 {print $3}')
[ -n "$offset" ] || fail "blob offset"
at=$((offset + 10))
old=$(dd if="$s" bs=1 skip="$at" count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
new=X
[ "$old" = 58 ] && new=Y # make sure the byte really changes
printf '%s' "$new" | dd of="$s" bs=1 seek="$at" conv=notrunc 2>/dev/null
expect_rc 4 "$CLI" check "$s"
grep -q "3 live entries checked, 1 damaged" "$dir/out" || fail "check counts the damage"
grep -q "damaged: key hash" "$dir/err" || fail "check names the damaged entry"
"$CLI" list "$s" | grep -q ' BAD$' || fail "list marks the damaged entry"

# Usage errors: exit 2.
expect_rc 2 "$CLI"
expect_rc 2 "$CLI" frobnicate "$s"
expect_rc 2 "$CLI" get "$s"
expect_rc 2 "$CLI" put "$s" only-a-key
expect_rc 0 "$CLI" --help
grep -q "exit codes" "$dir/out" || fail "help text"

# Store errors: exit 3 with a message.
printf 'just some text\n' >"$dir/text"
expect_rc 3 "$CLI" list "$dir/text"
grep -q "corrupt" "$dir/err" || fail "not-a-store message"
cmp -s "$dir/text" - <<EOT || fail "text file untouched"
just some text
EOT
expect_rc 3 "$CLI" get "$dir/missing.rdrive" k
expect_rc 3 "$CLI" put "$s" k ""
grep -q "invalid argument" "$dir/err" || fail "empty value message"
expect_rc 3 "$CLI" import "$s" k "$dir/no-such-input"
echo "cli: ok"
