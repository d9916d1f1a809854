#!/bin/sh
# Backup and restore: dump writes the live entries as a portable,
# self-checking stream; load verifies the whole stream before writing and
# refuses a damaged one whole; dump | load gives equal live contents.
set -eu
name=cli_dump
. "$(dirname "$0")/cli_lib.sh"
a=$dir/a.rdrive

# same_contents STORE1 STORE2: equal live entries (key hash, size and
# bytes), in the same order.
same_contents() {
    "$CLI" list "$1" | awk '{print $1, $2}' >"$dir/list1"
    "$CLI" list "$2" | awk '{print $1, $2}' >"$dir/list2"
    cmp -s "$dir/list1" "$dir/list2" || fail "$1 and $2 list different entries"
    while read -r hash _; do
        "$CLI" get --hash "$1" "$hash" >"$dir/v1"
        "$CLI" get --hash "$2" "$hash" >"$dir/v2"
        cmp -s "$dir/v1" "$dir/v2" || fail "$1 and $2 differ at key hash $hash"
    done <"$dir/list1"
}

# A source store with text and binary keys and values, a large value, an
# overwritten and a deleted key.
"$CLI" put "$a" alice hello
"$CLI" put "$a" bob first
"$CLI" put "$a" bob second
"$CLI" put "$a" carol gone
"$CLI" del "$a" carol
"$CLI" put --hex "$a" 610062 nul-key
head -c 1500000 /dev/urandom >"$dir/big"
printf '\000\000' >>"$dir/big"
"$CLI" import "$a" big "$dir/big"
printf '\000\000\000\000' | "$CLI" import "$a" zeros
"$CLI" put "$a" last newest

# --- dump | load through a pipe into a new store.
"$CLI" dump "$a" | "$CLI" load "$dir/b.rdrive" 2>"$dir/err" || fail "dump | load: $(cat "$dir/err")"
[ ! -s "$dir/err" ] || fail "load into a new store says something: $(cat "$dir/err")"
same_contents "$a" "$dir/b.rdrive"
"$CLI" get "$dir/b.rdrive" big | cmp -s - "$dir/big" || fail "the large value"
expect_rc 0 "$CLI" info "$dir/b.rdrive"
has "$dir/out" "live entries: 6" || fail "6 live entries after load"
[ "$("$CLI" get "$dir/b.rdrive" bob)" = second ] || fail "the newest value of an overwritten key"
expect_rc 1 "$CLI" get "$dir/b.rdrive" carol

# --- To a file and back; a dump is deterministic.
expect_rc 0 "$CLI" dump "$a" "$dir/a.dump"
[ ! -s "$dir/out" ] || fail "dump to a file writes nothing to stdout"
"$CLI" dump "$a" >"$dir/a2.dump"
cmp -s "$dir/a.dump" "$dir/a2.dump" || fail "dump to a file and to stdout differ"
expect_rc 0 "$CLI" load "$dir/c.rdrive" "$dir/a.dump"
same_contents "$a" "$dir/c.rdrive"
expect_rc 0 "$CLI" load "$dir/c2.rdrive" - <"$dir/a.dump"
same_contents "$a" "$dir/c2.rdrive"
# The format: magic, version 1, the entry count; the trailer's magic.
[ "$(head -c 8 "$dir/a.dump")" = RDRVDUMP ] || fail "dump magic"
[ "$(od -An -tu4 -j8 -N4 "$dir/a.dump" | tr -d ' ')" = 1 ] || fail "dump version"
[ "$(od -An -tu4 -j16 -N4 "$dir/a.dump" | tr -d ' ')" = 6 ] || fail "dump entry count"
[ "$(tail -c 32 "$dir/a.dump" | head -c 8)" = RDRVDEND ] || fail "dump trailer magic"

# --- Loading into an existing store overwrites its keys and keeps the rest.
"$CLI" put "$dir/d.rdrive" alice old
"$CLI" put "$dir/d.rdrive" zed kept
expect_rc 0 "$CLI" load "$dir/d.rdrive" "$dir/a.dump"
[ "$("$CLI" get "$dir/d.rdrive" alice)" = hello ] || fail "load overwrites an existing key"
[ "$("$CLI" get "$dir/d.rdrive" zed)" = kept ] || fail "load keeps other keys"

# --- An empty store dumps and loads as empty.
"$CLI" put "$dir/e.rdrive" k v
"$CLI" del "$dir/e.rdrive" k
"$CLI" dump "$dir/e.rdrive" >"$dir/empty.dump"
[ "$(size "$dir/empty.dump")" = 64 ] || fail "an empty dump is a header and a trailer"
expect_rc 0 "$CLI" load "$dir/f.rdrive" "$dir/empty.dump"
expect_rc 0 "$CLI" info "$dir/f.rdrive"
has "$dir/out" "live entries: 0" || fail "empty load"

# --- A damaged dump is refused whole: nothing is written, no store created.
cp "$dir/d.rdrive" "$dir/d.before"
total=$(size "$dir/a.dump")
# refused FILE WHAT: load refuses FILE into a new and into an existing store.
refused() {
    expect_rc 3 "$CLI" load "$dir/new.rdrive" "$1"
    has "$dir/err" "not a valid dump" || fail "$2: message: $(cat "$dir/err")"
    has "$dir/err" "nothing was written" || fail "$2: says nothing was written"
    [ ! -e "$dir/new.rdrive" ] || fail "$2: a store was created"
    expect_rc 3 "$CLI" load "$dir/d.rdrive" - <"$1"
    cmp -s "$dir/d.rdrive" "$dir/d.before" || fail "$2: the existing store changed"
}
# Offsets: magic, version, count, header checksum, first entry's key hash,
# length, value checksum, header checksum, value; the large value's middle;
# the trailer's magic, count, length, checksums; the last byte.
for at in 0 9 17 25 32 41 49 53 58 800000 $((total - 32)) $((total - 23)) $((total - 15)) \
    $((total - 7)) $((total - 1)); do
    cp "$dir/a.dump" "$dir/bad.dump"
    flip_byte "$dir/bad.dump" "$at"
    refused "$dir/bad.dump" "a byte changed at $at"
done
head -c $((total - 1)) "$dir/a.dump" >"$dir/cut.dump"
refused "$dir/cut.dump" "the last byte cut"
head -c $((total / 2)) "$dir/a.dump" >"$dir/cut.dump"
refused "$dir/cut.dump" "cut in half"
head -c 40 "$dir/a.dump" >"$dir/cut.dump"
refused "$dir/cut.dump" "only the header"
: >"$dir/cut.dump"
refused "$dir/cut.dump" "empty input"
cp "$dir/a.dump" "$dir/long.dump"
printf 'x' >>"$dir/long.dump"
refused "$dir/long.dump" "a byte too many"
cat "$dir/a.dump" "$dir/a.dump" >"$dir/twice.dump"
refused "$dir/twice.dump" "two dumps in a row"
printf 'not a dump at all, just some text that is long enough to be one\n' >"$dir/text.dump"
refused "$dir/text.dump" "text"
expect_rc 3 "$CLI" load "$dir/new.rdrive" "$dir/no-such.dump"
[ ! -e "$dir/new.rdrive" ] || fail "a missing dump created a store"

# --- dump refuses a store with a damaged value and leaves no file behind.
# (Damaged in place: below the store's watermark the open trusts the chain.)
"$CLI" import "$dir/g.rdrive" big "$dir/big"
"$CLI" put "$dir/g.rdrive" after ok
offset=$("$CLI" list "$dir/g.rdrive" | awk '$2 == 1500002 {print $3}')
flip_byte "$dir/g.rdrive" $((offset + 1000))
expect_rc 3 "$CLI" dump "$dir/g.rdrive" "$dir/g.dump"
has "$dir/err" "is damaged" || fail "dump names the damage: $(cat "$dir/err")"
[ ! -e "$dir/g.dump" ] || fail "a failed dump left its file"
[ -z "$(find "$dir" -name 'g.dump*')" ] || fail "a failed dump left a temporary file"
# An earlier dump of that name stays intact when a new one fails.
cp "$dir/a.dump" "$dir/g.dump"
expect_rc 3 "$CLI" dump "$dir/g.rdrive" "$dir/g.dump"
cmp -s "$dir/a.dump" "$dir/g.dump" || fail "a failed dump replaced an earlier one"
# Through a pipe the dump ends without its trailer, so load refuses it.
set +e
"$CLI" dump "$dir/g.rdrive" 2>/dev/null | "$CLI" load "$dir/h.rdrive" 2>"$dir/err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "load of an interrupted dump: exit $rc"
[ ! -e "$dir/h.rdrive" ] || fail "an interrupted dump created a store"

# Usage: at most one file; load's store must be a store.
expect_rc 2 "$CLI" dump "$a" "$dir/x" "$dir/y"
expect_rc 2 "$CLI" load "$a" "$dir/x" "$dir/y"
printf 'text' >"$dir/text.rdrive"
expect_rc 3 "$CLI" load "$dir/text.rdrive" "$dir/a.dump"
[ "$(cat "$dir/text.rdrive")" = text ] || fail "load wrote into a file that is not a store"
echo "$name: ok"
