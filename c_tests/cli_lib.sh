# Shared by the cli_*_test.sh scripts, which source it after setting
# $name (the test's name, for messages). The first argument of the script is
# the rdrive tool. Gives: $CLI, a scratch directory $dir (removed at exit,
# after stopping the background jobs listed in $jobs and opening every
# gate), and helpers.
CLI=$1
dir=$(mktemp -d)
jobs=
cleanup() {
    : >"$dir/gate.all"
    for job in $jobs; do kill -9 "$job" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "$name: $*" >&2
    exit 1
}
# skip REASON: the test cannot run here (CTest counts exit 77 as skipped).
skip() {
    echo "$name: skipped: $*"
    exit 77
}
# expect_rc CODE command...: runs it with stdout in $dir/out and stderr in
# $dir/err, and checks its exit code.
expect_rc() {
    want=$1
    shift
    set +e
    "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "expected exit $want, got $rc from: $* ($(cat "$dir/err"))"
}
# has FILE TEXT: FILE contains TEXT (a fixed string).
has() {
    grep -qF -- "$2" "$1"
}
# flip_byte FILE OFFSET: changes the byte at OFFSET, in place.
flip_byte() {
    old=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
    new=X
    [ "$old" = 58 ] && new=Y
    printf '%s' "$new" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# size FILE: its length in bytes.
size() {
    wc -c <"$1" | tr -d ' '
}
# gate_wait NAME: waits until gate_open NAME (or the end of the test), at
# most a minute.
gate_wait() {
    tries=0
    while [ ! -e "$dir/gate.$1" ] && [ ! -e "$dir/gate.all" ] && [ "$tries" -lt 1200 ]; do
        tries=$((tries + 1))
        sleep 0.05
    done
}
gate_open() {
    : >"$dir/gate.$1"
}
# wait_for PATTERN command...: reruns the command (output in $dir/poll)
# until its output contains PATTERN; fails after about 20 seconds.
wait_for() {
    pattern=$1
    shift
    tries=0
    until "$@" >"$dir/poll" 2>&1 && has "$dir/poll" "$pattern"; do
        tries=$((tries + 1))
        [ "$tries" -lt 200 ] || fail "waited in vain for '$pattern' from: $*"
        sleep 0.1
    done
}
