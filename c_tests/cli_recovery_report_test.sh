#!/bin/sh
# info and check say what the open found, and writing commands say what
# their open discarded: a write under way in a live writer (nothing is
# wrong), the unfinished write of a writer that died, a torn end, a
# leftover compaction file, a watermark discarded because a backup was
# restored over the store; --repair discards what recovery refuses.
set -eu
name=cli_recovery_report
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive
"$CLI" put "$s" alice hello

# --- A slow import under way: its bytes are a live writer's write.
{
    head -c 2000000 /dev/zero | tr '\000' x
    gate_wait import
    printf 'end'
} | "$CLI" import "$s" slow &
importer=$!
jobs="$jobs $importer"
wait_for "write under way" "$CLI" info "$s"
expect_rc 0 "$CLI" info "$s"
has "$dir/out" "writer:       a read-write handle holds the store" || fail "info: the live writer"
has "$dir/out" "of a write under way in a live writer" || fail "info: the write under way"
has "$dir/out" "nothing is wrong" || fail "info: a live write is not damage"
! has "$dir/out" "discarded at the next" || fail "info: a live write is not to be discarded"
has "$dir/out" "live entries: 1" || fail "info: the unfinished value is not an entry"
expect_rc 0 "$CLI" check "$s"
has "$dir/out" "write under way" || fail "check mentions the write under way"

# --- The importer dies: its bytes are cut by the next writer, and said so.
kill -9 "$importer"
gate_open import # the feeding side ends too
wait "$importer" 2>/dev/null || true
expect_rc 0 "$CLI" info "$s"
! has "$dir/out" "writer:" || fail "info: no writer after it died"
has "$dir/out" "of an unfinished write of a writer that died" || fail "info: the dead writer's write"
has "$dir/out" "discarded at the next read-write open" || fail "info: what happens to it"
torn=$(sed -n 's/^torn tail: *\([0-9]*\) bytes.*/\1/p' "$dir/out")
[ "$torn" -gt 0 ] || fail "info: the torn bytes are counted"
expect_rc 0 "$CLI" check "$s"
has "$dir/out" "1 live entries checked, 0 damaged" || fail "check: summary"
has "$dir/out" "torn tail:    $torn bytes of an unfinished write of a writer that died" || fail "check mentions the torn tail"
expect_rc 0 "$CLI" put "$s" bob builder
has "$dir/err" "an unfinished write of a writer that died: $torn bytes cut" || fail "put says what it cut: $(cat "$dir/err")"
expect_rc 0 "$CLI" info "$s"
! has "$dir/out" "torn tail" || fail "info: the torn tail is gone after a writer"
has "$dir/out" "live entries: 2" || fail "info: the entries after the cut"
expect_rc 0 "$CLI" put "$s" carol c
[ ! -s "$dir/err" ] || fail "a clean open says nothing: $(cat "$dir/err")"

# --- A torn end (zeros appended, as after a crash).
head -c 100 /dev/zero >>"$s"
expect_rc 0 "$CLI" info "$s"
has "$dir/out" "torn tail:    100 bytes of a torn or damaged end (left out; discarded at the next read-write open)" ||
    fail "info: a torn end: $(cat "$dir/out")"
expect_rc 0 "$CLI" check "$s"
has "$dir/out" "torn tail:    100 bytes" || fail "check mentions a torn end"
expect_rc 0 "$CLI" del "$s" carol
has "$dir/err" "a torn or damaged end: 100 bytes cut" || fail "del says what it cut: $(cat "$dir/err")"

# --- A leftover compaction file (a compact that was killed).
head -c 4096 /dev/zero >"$s.rdrive-compact"
expect_rc 0 "$CLI" info "$s"
has "$dir/out" "compaction:   leftover file $s.rdrive-compact of 4096 bytes from an interrupted compact" ||
    fail "info: the leftover compaction file: $(cat "$dir/out")"
expect_rc 0 "$CLI" check "$s"
has "$dir/out" "leftover file" || fail "check mentions the leftover compaction file"
[ -e "$s.rdrive-compact" ] || fail "a read-only command removed the leftover"
expect_rc 0 "$CLI" compact "$s"
has "$dir/err" "leftover compaction file of 4096 bytes removed" || fail "compact says it removed the leftover: $(cat "$dir/err")"
[ ! -e "$s.rdrive-compact" ] || fail "the leftover is still there"
expect_rc 0 "$CLI" info "$s"
! has "$dir/out" "compaction:" || fail "info: no leftover after a writer"

# --- Restoring a backup over the store, in place (keeping its attributes).
cp "$s" "$dir/backup"
"$CLI" put "$s" dave later
cat "$dir/backup" >"$s"
expect_rc 0 "$CLI" info "$s"
has "$dir/out" "live entries: 2" || fail "info: the backup's entries"
# The watermark lives in an extended attribute: without them there is none.
xattrs=unknown
if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import os, sys; sys.exit(0 if "user.rdrive.watermark" in os.listxattr(sys.argv[1]) else 1)' "$s" 2>/dev/null; then
        xattrs=yes
    else
        xattrs=no
    fi
elif command -v getfattr >/dev/null 2>&1; then
    if getfattr -n user.rdrive.watermark "$s" >/dev/null 2>&1; then xattrs=yes; else xattrs=no; fi
fi
if [ "$xattrs" = yes ]; then
    has "$dir/out" "watermark:    discarded: " || fail "info: the discarded watermark: $(cat "$dir/out")"
    has "$dir/out" "shorter than its recorded durable length" || fail "info: why the watermark was discarded"
else
    echo "$name: the watermark part is not checked (extended attributes: $xattrs)"
fi
[ "$("$CLI" get "$s" bob)" = builder ] || fail "get from the restored store"
expect_rc 1 "$CLI" get "$s" dave
expect_rc 0 "$CLI" put "$s" erin e
if [ "$xattrs" = yes ]; then
    has "$dir/err" "watermark discarded: " || fail "put says it discarded the watermark: $(cat "$dir/err")"
fi
expect_rc 0 "$CLI" info "$s"
! has "$dir/out" "watermark:" || fail "info: the fresh watermark matches"
# --- --repair: a file with no valid entry is refused and left alone, and
# read-only commands ignore --repair; a writing command with it discards
# the damage, keeps the longest valid prefix (here: nothing) and says so.
printf 'garbage that is no store' >"$dir/broken.rdrive"
expect_rc 3 "$CLI" put "$dir/broken.rdrive" k v
has "$dir/err" "--repair" || fail "the refusal names --repair: $(cat "$dir/err")"
expect_rc 3 "$CLI" list --repair "$dir/broken.rdrive"
[ "$(cat "$dir/broken.rdrive")" = "garbage that is no store" ] || fail "a refused file was changed"
expect_rc 0 "$CLI" put --repair "$dir/broken.rdrive" k v
has "$dir/err" "24 bytes cut" || fail "put --repair says what it cut: $(cat "$dir/err")"
[ "$("$CLI" get "$dir/broken.rdrive" k)" = v ] || fail "the repaired store works"
echo "$name: ok"
