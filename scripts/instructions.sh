#!/usr/bin/env bash
# Instructions per reply for the whole `rebound classify --format json` path
# (reading, classifying, writing JSON), counted with callgrind:
#   (instructions for N2 lines - instructions for N1 lines) / (N2 - N1)
# for the shipped rules and for a ruleset with 10x as many phrases.
# BREAKDOWN=1 also prints, for the shipped rules, where the instructions of
# a reply go: the self cost of every function per reply, counted only inside
# the reply loop (callgrind --toggle-collect), so start-up is left out.
# Needs valgrind (apt-get install valgrind); installs nothing itself.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install valgrind" >&2; exit 1; }
# Both runs compile the rules from their files, so that start-up is the
# same in each and cancels out (a snapshot written by the first run would
# make the second start cheaper).
export REBOUND_NO_CACHE=1
N1=${N1:-10000}
N2=${N2:-110000}
cargo build --release --quiet --bin rebound --example synth_rules
bin=target/release/rebound
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/synth_rules "$work/rules10x" 10
# The sample replies, about 100 bytes each on average, repeated.
repeat() { local n=$1; awk -v n="$n" '{a[NR]=$0} END {for (i=0; i<n; i++) print a[i % NR + 1]}' examples/replies.txt; }
repeat "$N1" >"$work/n1.txt"
repeat "$N2" >"$work/n2.txt"
avg=$(awk '{s+=length($0)} END {printf "%.0f", s/NR}' "$work/n2.txt")
count() { # rules-flag... input
  local input=${*: -1}
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" "${@:1:$#-1}" classify --format json "$input" \
    >/dev/null 2>"$work/vg.err"
  grep -E 'Collected' "$work/vg.err" | awk '{print $4}' | tr -d ,
}
report() {
  local label=$1; shift
  local i1 i2
  i1=$(count "$@" "$work/n1.txt")
  i2=$(count "$@" "$work/n2.txt")
  echo "$label: $(( (i2 - i1) / (N2 - N1) )) instructions per reply ($i1 for $N1 lines, $i2 for $N2 lines; replies average $avg bytes)"
}
report "shipped rules" 
report "10x phrases  " --rules "$work/rules10x"
if [ "${BREAKDOWN:-0}" = 1 ]; then
  # Only the reply loop is counted; the difference of two runs cancels the
  # one-time costs inside it (the first reads, buffer growth).
  loop() {
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='rebound::cli::lines::for_each_line*' \
      --callgrind-out-file="$work/$1.out" "$bin" classify --format json "$work/$1.txt" >/dev/null 2>"$work/vg.err"
    callgrind_annotate --inclusive=no --auto=no --threshold=100 "$work/$1.out" |
      grep -E '^ *[0-9,]+ ' | sed -E 's/,//g; s/^ *//; s/ *\([ 0-9.]+%\) */\t/'
  }
  loop n1 >"$work/b1.tsv"
  loop n2 >"$work/b2.tsv"
  echo "per reply, by function (self cost, shipped rules):"
  awk -F'\t' -v n=$((N2 - N1)) 'NR == FNR {a[$2] = $1; next} {d = ($1 - a[$2]) / n; if (d >= 5) printf "%8.1f %s\n", d, $2}' \
    "$work/b1.tsv" "$work/b2.tsv" | sort -rn | head -30
fi
