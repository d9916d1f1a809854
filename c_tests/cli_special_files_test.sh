#!/bin/sh
# A store path that is not a regular file (FIFO, directory, device) is
# refused at once by every command, with exit 3 and a message; nothing
# hangs (each run has a time limit) and nothing is changed.
set -eu
name=cli_special_files
. "$(dirname "$0")/cli_lib.sh"
command -v timeout >/dev/null || skip "no timeout command"
mkfifo "$dir/fifo"
mkdir "$dir/directory"
"$CLI" put "$dir/source.rdrive" k v
"$CLI" dump "$dir/source.rdrive" >"$dir/dump"
printf 'value' >"$dir/value"

for path in "$dir/fifo" "$dir/directory" /dev/null; do
    for cmd in "get P k" "get --hash P 0123456789abcdef" "exists P k" "list P" "info P" "check P" \
        "dump P" "dump P $dir/out.dump" "put P k v" "import P k $dir/value" "del P k" "compact P" \
        "load P $dir/dump"; do
        args=$(printf '%s' "$cmd" | sed "s|P|$path|")
        set +e
        # shellcheck disable=SC2086
        timeout 20 "$CLI" $args </dev/null >"$dir/out" 2>"$dir/err"
        rc=$?
        set -e
        [ "$rc" != 124 ] || fail "$args hangs"
        [ "$rc" = 3 ] || fail "$args: expected exit 3, got $rc ($(cat "$dir/err"))"
        has "$dir/err" "not a regular file" || fail "$args: message: $(cat "$dir/err")"
    done
done
[ -p "$dir/fifo" ] || fail "the FIFO was replaced"
[ -z "$(ls "$dir/directory")" ] || fail "something was written into the directory"
[ ! -e "$dir/out.dump" ] || fail "dump of a FIFO left a file"
[ ! -e "$dir/fifo.rdrive-lock" ] || fail "a lock file was made beside the FIFO"

# An input that is a directory is refused too.
expect_rc 3 "$CLI" import "$dir/s.rdrive" k "$dir/directory"
has "$dir/err" "Is a directory" || fail "import of a directory: message"
expect_rc 3 "$CLI" load "$dir/s.rdrive" "$dir/directory"
has "$dir/err" "Is a directory" || fail "load of a directory: message"
echo "$name: ok"
