#!/bin/sh
# Progress (compact, import, load) goes to stderr only when stderr is a
# terminal, and counts bytes; a file or a pipe gets no progress (no "\r"
# in logs). The terminal is a pseudo-terminal from script(1) (util-linux)
# or, failing that, python3's pty module; without either the test is
# skipped. Binary dumps are never written to or read from a terminal.
set -eu
name=cli_progress
. "$(dirname "$0")/cli_lib.sh"
s=$dir/s.rdrive

# on_terminal COMMAND...: runs the command with stdin, stdout and stderr on
# a pseudo-terminal; what it wrote is in $dir/tty, its exit code in $rc.
if script -qec true /dev/null </dev/null >/dev/null 2>&1; then
    on_terminal() {
        quoted=
        for arg in "$@"; do
            quoted="$quoted '$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")'"
        done
        set +e
        script -qec "$quoted" /dev/null </dev/null >"$dir/tty" 2>&1
        rc=$?
        set -e
    }
elif command -v python3 >/dev/null 2>&1; then
    on_terminal() {
        set +e
        python3 - "$@" >"$dir/tty" 2>&1 <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
PY
        rc=$?
        set -e
    }
else
    skip "neither script(1) nor python3 can make a terminal"
fi

# A store with a 3 MiB value and garbage to compact away.
head -c 3145728 /dev/urandom >"$dir/big"
"$CLI" import "$s" big "$dir/big"
"$CLI" put "$s" small one
"$CLI" put "$s" small two

# --- On a terminal: progress in bytes, ending at 100%.
on_terminal "$CLI" compact "$s"
[ "$rc" = 0 ] || fail "compact on a terminal: exit $rc: $(cat "$dir/tty")"
has "$dir/tty" "compacting: " || fail "no compaction progress on a terminal: $(cat "$dir/tty")"
has "$dir/tty" "MiB / 3.0 MiB (100%)" || fail "compaction progress counts bytes: $(cat "$dir/tty")"
has "$dir/tty" "compacted: " || fail "compact summary on a terminal"
on_terminal "$CLI" import "$s" big2 "$dir/big"
[ "$rc" = 0 ] || fail "import on a terminal: exit $rc"
has "$dir/tty" "importing: 3.0 MiB / 3.0 MiB (100%)" || fail "import progress: $(cat "$dir/tty")"
"$CLI" dump "$s" >"$dir/dump"
on_terminal "$CLI" load "$dir/t.rdrive" "$dir/dump"
[ "$rc" = 0 ] || fail "load on a terminal: exit $rc"
has "$dir/tty" "loading: 6.0 MiB / 6.0 MiB (100%)" || fail "load progress: $(cat "$dir/tty")"
"$CLI" get "$dir/t.rdrive" big2 | cmp -s - "$dir/big" || fail "load on a terminal wrote the values"

# --- Not a terminal: no progress at all, to a file or a pipe.
"$CLI" put "$s" small three
expect_rc 0 "$CLI" compact "$s"
[ ! -s "$dir/err" ] || fail "compact wrote to a stderr file: $(cat "$dir/err")"
"$CLI" import "$s" big3 "$dir/big" 2>&1 | cat >"$dir/piped"
[ ! -s "$dir/piped" ] || fail "import wrote progress into a pipe"
"$CLI" load "$dir/u.rdrive" "$dir/dump" 2>"$dir/err"
[ ! -s "$dir/err" ] || fail "load wrote progress into a file"
# stdout on a terminal, stderr to a file: still no progress.
on_terminal sh -c "'$CLI' compact '$s' 2>'$dir/err2'"
[ "$rc" = 0 ] || fail "compact with stderr to a file: exit $rc"
[ ! -s "$dir/err2" ] || fail "progress went to a file while stdout was a terminal"
! has "$dir/tty" "compacting" || fail "progress on stdout"

# --- A dump is binary: not written to a terminal, not read from one.
on_terminal "$CLI" dump "$s"
[ "$rc" = 2 ] || fail "dump to a terminal: exit $rc, not 2"
has "$dir/tty" "terminal" || fail "dump to a terminal: message"
on_terminal "$CLI" load "$dir/v.rdrive"
[ "$rc" = 2 ] || fail "load from a terminal: exit $rc, not 2"
[ ! -e "$dir/v.rdrive" ] || fail "load from a terminal created a store"
echo "$name: ok"
