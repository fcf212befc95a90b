#!/usr/bin/env bash
# Streaming against loading: `custseg rfm --by`, `view` and `sanity` on one Online-Retail-shaped
# file, each command run twice as a whole process: on the file (aggregated while read) and on
# standard input (`-`, which the streaming path does not read, so the rows are loaded in memory
# as `Transactions::load` does). Both outputs must be the same bytes before a figure is printed.
#
# Usage (from the repo root, after `cargo build --release`):
#     bash benches/stream_bench.sh FILE.csv.gz [RUNS] [--no-loaded]
# e.g. custseg generate online-retail --rows 10000000 --seed 1 -o /tmp/retail_1e7.csv.gz
# --no-loaded skips the loaded runs (at 10^8 rows they need about 25 GB).
# Prints a markdown table: median wall time and largest peak RSS (GNU time's %M) per command.
set -euo pipefail
input=$1
runs=${2:-3}
loaded=${3:-}
source "$(dirname "$0")/../scripts/env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$CARGO_TARGET_DIR/release/custseg" "$work/custseg"
commands=(
  "rfm INPUT --dimension Country --by Country"
  "view INPUT --dimension Country --output OUT.csv"
  "sanity INPUT"
)
# One run: prints "seconds kilobytes" and leaves the command's output in $work/$2.
run() {
  local command=$1 name=$2 from=$3
  local args=${command//OUT/$work/$name}
  if [ "$from" = file ]; then
    args=${args//INPUT/$input}
    /usr/bin/time -f "%e %M" -o "$work/time" "$work/custseg" $args > "$work/$name.stdout" 2> /dev/null
  else
    args=${args//INPUT/-}
    /usr/bin/time -f "%e %M" -o "$work/time" "$work/custseg" $args < "$input" > "$work/$name.stdout" 2> /dev/null
  fi
  cat "$work/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| command | streamed: s | streamed: peak MiB | loaded: s | loaded: peak MiB |"
echo "|---|---:|---:|---:|---:|"
for command in "${commands[@]}"; do
  : > "$work/streamed"; : > "$work/loaded"
  for _ in $(seq "$runs"); do
    run "$command" streamed file >> "$work/streamed"
    if [ "$loaded" != --no-loaded ]; then
      run "$command" loaded stdin >> "$work/loaded"
      # The same bytes both ways (the sanity report names its input: compare from its second line).
      for out in stdout csv; do
        [ -f "$work/streamed.$out" ] || continue
        if ! cmp -s <(tail -n +2 "$work/streamed.$out") <(tail -n +2 "$work/loaded.$out"); then
          echo "outputs differ: $command ($out)" >&2; exit 1
        fi
      done
    fi
  done
  s_time=$(cut -d' ' -f1 "$work/streamed" | median)
  s_mem=$(cut -d' ' -f2 "$work/streamed" | sort -n | tail -1)
  if [ "$loaded" != --no-loaded ]; then
    l_time=$(cut -d' ' -f1 "$work/loaded" | median)
    l_mem=$(cut -d' ' -f2 "$work/loaded" | sort -n | tail -1)
    l_mem=$((l_mem / 1024))
  else
    l_time="not run"; l_mem="not run"
  fi
  echo "| \`custseg ${command//INPUT/$(basename "$input")}\` | $s_time | $((s_mem / 1024)) | $l_time | $l_mem |"
  rm -f "$work"/streamed.* "$work"/loaded.*
done
echo
echo "Command: \`bash benches/stream_bench.sh $input $runs $loaded\` ($(nproc) cores, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD))"
