#!/usr/bin/env bash
# rebound against Sisimai on the same bounce emails, in one run.
#
#   benches/compare.sh [DIR...]     (default: the corpus maildir/bsd)
#
# Runs `rebound classify --format json DIR` and
# `perl -MSisimai -e 'Sisimai->make($ARGV[0])' DIR` over the same inputs,
# with hyperfine when it is installed (else a plain timing loop of RUNS runs),
# and prints how many times faster rebound is. Installs nothing: it says what
# to install when Sisimai is missing.
#
# With hyperfine it also times `examples/floor.rs`, which lists and reads
# the same files with rebound's own reader and does nothing else: Sisimai's
# time over the floor's is the most any classifier reading the files one by
# one could reach on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/work/shared/corpus/sisimai/maildir/bsd)
if ! perl -MSisimai -e 1 2>/dev/null; then
  echo "Sisimai is not installed: apt-get install libsisimai-perl" >&2
  exit 1
fi
cargo build --release --quiet --bin rebound --example floor
bin=$PWD/target/release/rebound
floor=$PWD/target/release/examples/floor
for dir in "${dirs[@]}"; do
  [ -e "$dir" ] || { echo "$dir: not found" >&2; exit 1; }
  n=$(find "$dir" -type f | wc -l)
  echo "== $dir ($n files, $(du -sh "$dir" | cut -f1))"
  reb=("$bin" classify --format json "$dir")
  sis=(perl -MSisimai -e 'Sisimai->make($ARGV[0])' "$dir")
  if command -v hyperfine >/dev/null; then
    json=$(mktemp)
    hyperfine --warmup 1 --runs "$RUNS" --export-json "$json" -N \
      -n rebound "$(printf '%q ' "${reb[@]}")" \
      -n sisimai "$(printf '%q ' "${sis[@]}")" \
      -n floor "$(printf '%q ' "$floor" "$dir")" >&2
    read -r t_reb t_sis c_reb c_sis t_floor < <(perl -MJSON::PP -e '
      local $/; my $j = decode_json(<STDIN>);
      my %m = map { $_->{command} => $_ } @{$j->{results}};
      my ($r, $s, $f) = @m{qw(rebound sisimai floor)};
      print join(" ", $r->{median}, $s->{median}, $r->{user} + $r->{system}, $s->{user} + $s->{system}, $f->{median}), "\n"' <"$json")
    rm -f "$json"
    awk -v f="$t_floor" -v s="$t_sis" -v r="$t_reb" 'BEGIN { printf "floor (list and read the files, nothing else): %.4f s: sisimai / floor %.0fx, rebound / floor %.1fx\n", f, s / f, r / f }'
    # On a busy machine wall time mostly measures waiting: CPU time too.
    awk -v r="$c_reb" -v s="$c_sis" 'BEGIN { printf "CPU time (user+system, mean): rebound %.3f s, sisimai %.3f s: %.1fx\n", r, s, s / r }'
  else
    best() { # the fastest of RUNS runs, in seconds
      local b="" t s e
      for _ in $(seq "$RUNS"); do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
      done
      echo "$b"
    }
    t_reb=$(best "${reb[@]}")
    t_sis=$(best "${sis[@]}")
  fi
  awk -v r="$t_reb" -v s="$t_sis" -v n="$n" 'BEGIN {
    printf "wall time: rebound %.3f s (%.0f emails/s)   sisimai %.3f s (%.0f emails/s)   rebound is %.1fx faster\n",
      r, n / r, s, n / s, s / r }'
done
