#!/bin/sh
# A store held by a writer: writing commands exit 5 ("locked", retry) and
# say so, never 3; read-only commands work meanwhile and ignore --wait;
# --wait waits for the writer, --wait=SECONDS gives up with exit 5;
# --shared writers share the store with each other, not with an exclusive one.
set -eu
name=cli_lock
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive

expect_rc 0 "$CLI" put "$s" alice hello
expect_rc 0 "$CLI" put "$dir/other.rdrive" k v
"$CLI" dump "$dir/other.rdrive" >"$dir/dump"

# hold CONTENT [options]: a slow import of CONTENT under key "held" keeps
# the store open for writing until release is called.
hold() {
    content=$1
    shift
    {
        gate_wait "$content"
        printf '%s' "$content"
    } | "$CLI" import "$@" "$s" held &
    holder=$!
    jobs="$jobs $holder"
    wait_for "writer:" "$CLI" info "$s"
}
release() {
    gate_open "$content"
    wait "$holder" || fail "the holding import failed"
}

# --- An exclusive writer holds the store.
hold first
for cmd in "put $s k v" "import $s k $dir/dump" "del $s alice" "compact $s" "load $s $dir/dump" \
    "put --shared $s k v" "put --repair $s k v"; do
    # shellcheck disable=SC2086
    expect_rc 5 "$CLI" $cmd
    has "$dir/err" "locked by a writer" || fail "$cmd: no 'locked' message: $(cat "$dir/err")"
done
# Read-only commands are not held up, with or without --wait.
expect_rc 0 "$CLI" get --wait "$s" alice
[ "$(cat "$dir/out")" = hello ] || fail "get while a writer holds the store"
expect_rc 0 "$CLI" exists --wait --shared --repair "$s" alice
expect_rc 0 "$CLI" list "$s"
expect_rc 0 "$CLI" check "$s"
expect_rc 0 "$CLI" dump --wait "$s" "$dir/during.dump"
expect_rc 0 "$CLI" info "$s"
has "$dir/out" "writer:       a read-write handle holds the store" || fail "info names the writer"
# A bounded wait gives up with exit 5.
expect_rc 5 "$CLI" put --wait=0.3 "$s" k v
# An unbounded wait gets the store once the writer is done.
"$CLI" put --wait "$s" waited yes >"$dir/wait.out" 2>"$dir/wait.err" &
waiter=$!
jobs="$jobs $waiter"
sleep 0.3
kill -0 "$waiter" 2>/dev/null || fail "put --wait did not wait: $(cat "$dir/wait.err")"
release
wait "$waiter" || fail "put --wait failed: $(cat "$dir/wait.err")"
[ "$("$CLI" get "$s" held)" = first ] || fail "the holder's value"
[ "$("$CLI" get "$s" waited)" = yes ] || fail "the waiting put's value"
expect_rc 0 "$CLI" info "$s"
! has "$dir/out" "writer:" || fail "info still names a writer"

# --- A shared writer holds the store: exclusive writers are locked out,
# shared ones write too (each write call waits for the one under way).
hold second --shared
expect_rc 5 "$CLI" put "$s" k v
expect_rc 5 "$CLI" compact "$s"
"$CLI" put --shared "$s" shared yes >"$dir/shared.out" 2>"$dir/shared.err" &
sharer=$!
jobs="$jobs $sharer"
release
wait "$sharer" || fail "put --shared beside a shared writer: $(cat "$dir/shared.err")"
[ "$("$CLI" get "$s" held)" = second ] || fail "the shared holder's value"
[ "$("$CLI" get "$s" shared)" = yes ] || fail "the shared put's value"
expect_rc 0 "$CLI" compact --shared "$s"

# Bad --wait values are usage errors.
expect_rc 2 "$CLI" put --wait=soon "$s" k v
expect_rc 2 "$CLI" put --wait=-1 "$s" k v
echo "$name: ok"
