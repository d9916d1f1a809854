#!/bin/sh
# Output that cannot be written is an error, for every command: a full
# disk (/dev/full) gives exit 3 and "write error: <reason>"; a closed pipe
# gives exit 3 (SIGPIPE ignored) or death by SIGPIPE, never exit 0.
set -eu
name=cli_output_errors
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive
[ -w /dev/full ] || skip "no /dev/full"

"$CLI" put "$s" alice hello
head -c 1000000 /dev/urandom >"$dir/big"
"$CLI" import "$s" big "$dir/big"
# A list longer than any output buffer fails in the middle, not at the end.
i=0
while [ "$i" -lt 150 ]; do
    "$CLI" put "$dir/many.rdrive" "key$i" "value$i"
    i=$((i + 1))
done
[ "$("$CLI" list "$dir/many.rdrive" | wc -c)" -gt 6000 ] || fail "the long list is long"

# full COMMAND...: the command, with stdout on a full disk, exits 3 and says why.
full() {
    set +e
    "$@" >/dev/full 2>"$dir/err"
    rc=$?
    set -e
    [ "$rc" = 3 ] || fail "to /dev/full, expected exit 3, got $rc from: $*"
    has "$dir/err" "write error: No space left on device" || fail "no write error message from: $* ($(cat "$dir/err"))"
    [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "one message, not $(wc -l <"$dir/err"), from: $*"
}
full "$CLI" info "$s"
full "$CLI" check "$s"
full "$CLI" exists "$s" alice
full "$CLI" exists "$s" nobody
full "$CLI" list "$s"
full "$CLI" list "$dir/many.rdrive"
full "$CLI" get "$s" alice
full "$CLI" get "$s" big
full "$CLI" get --hash "$s" 4da10dd61a0116b0
full "$CLI" dump "$s"
full "$CLI" dump "$s" /dev/full
full "$CLI" compact "$s"
full "$CLI" --version
full "$CLI" --help
full "$CLI" list --help
# Commands that write nothing to stdout are not affected.
"$CLI" put "$s" k v >/dev/full || fail "put with stdout on /dev/full"

# A closed pipe. pipe_rc SIGPIPE-DISPOSITION COMMAND...: runs the command
# writing into a pipe whose reader is gone; its exit code is in $rc.
pipe_rc() {
    ignore=$1
    shift
    # The reader (true) exits at once; the command writes a moment later.
    (
        [ "$ignore" = ignored ] && trap '' PIPE
        sleep 0.5
        set +e
        "$@" 2>"$dir/err"
        echo $? >"$dir/rc"
    ) | true
    rc=$(cat "$dir/rc")
}
for cmd in "info $s" "check $s" "exists $s alice" "list $s" "get $s alice" "dump $s" "--version"; do
    # shellcheck disable=SC2086
    pipe_rc default "$CLI" $cmd
    [ "$rc" != 0 ] || fail "$cmd into a closed pipe: exit 0"
    # shellcheck disable=SC2086
    pipe_rc ignored "$CLI" $cmd
    [ "$rc" = 3 ] || fail "$cmd into a closed pipe, SIGPIPE ignored: exit $rc, not 3"
    has "$dir/err" "write error: Broken pipe" || fail "$cmd into a closed pipe: message: $(cat "$dir/err")"
done
# A reader that stops early: a large value does not fit the pipe.
(
    trap '' PIPE
    set +e
    "$CLI" get "$s" big 2>"$dir/err"
    echo $? >"$dir/rc"
) | head -c 10 >/dev/null
[ "$(cat "$dir/rc")" = 3 ] || fail "get into a pipe closed early: exit $(cat "$dir/rc")"
has "$dir/err" "write error: Broken pipe" || fail "get into a pipe closed early: message"
echo "$name: ok"
