#!/bin/sh
# The man page (tools/rdrive.1) is valid man(7) roff without warnings and
# documents every command and option the tool's usage lists, and every
# exit status.
set -eu
name=cli_man_page
. "$(dirname "$0")/cli_lib.sh"
page=$2
[ -f "$page" ] || fail "no man page at $page"
command -v groff >/dev/null || skip "no groff to render the man page"

groff -man -Tutf8 -ww -z "$page" 2>"$dir/warnings" || fail "groff failed on $page"
[ ! -s "$dir/warnings" ] || fail "warnings: $(cat "$dir/warnings")"
# Plain text: no overstrike, no escape sequences, no hyphenation breaks.
groff -man -Tascii -P-cbou -rHY=0 -rLL=200n "$page" 2>/dev/null >"$dir/page"
has "$dir/page" "NAME" || fail "the page renders empty"

"$CLI" --help >"$dir/usage"
commands=$(sed -n 's/^  \([a-z][a-z]*\) <store>.*/\1/p' "$dir/usage" | sort -u)
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 11 ] || fail "could not read the commands from --help"
for cmd in $commands; do
    grep -Eq "^ +$cmd store" "$dir/page" || fail "command $cmd is not documented"
done
options=$(grep -o -- '--[a-z][a-z]*' "$dir/usage" | sort -u)
for option in $options; do
    has "$dir/page" "$option" || fail "option $option is not documented"
done
sed -n '/^EXIT STATUS/,/^DUMP FORMAT/p' "$dir/page" >"$dir/statuses"
for status in 0 1 2 3 4 5; do
    grep -Eq "^ +$status +[A-Za-z]" "$dir/statuses" || fail "exit status $status is not documented"
done
for section in SYNOPSIS COMMANDS OPTIONS "EXIT STATUS" "DUMP FORMAT" FILES EXAMPLES; do
    grep -q "^$section" "$dir/page" || fail "no $section section"
done
for file in .rdrive-lock .rdrive-index .rdrive-compact; do
    has "$dir/page" "$file" || fail "$file is not described"
done
echo "$name: ok"
