#!/usr/bin/env bash
# The `distributed` feature's checks: clippy with the feature, then tests/distributed.rs against a
# live Ballista cluster (a scheduler and two executors of tools/ballista-node.rs on 127.0.0.1).
#
# Building DataFusion and Ballista takes longer than CI's budget leaves (BENCHMARKS.md, "The
# test command"), so scripts/test.sh runs this only when the sources it depends on changed since
# the last recorded pass: their hash is in tests/distributed.tested, which a passing run rewrites
# (commit it). `--force` runs it whatever the hash says.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh

# What the distributed engine's answer depends on beyond its own code: the cleaning rules it
# mirrors, the loader's typing rules, the exact sums and the scoring it hands over to.
SOURCES=(
    Cargo.toml Cargo.lock
    src/distributed src/exact_sum.rs src/data/clean.rs src/data/roles.rs src/data/transactions.rs
    src/data/dates.rs src/data/inputs.rs src/rfm/streamed.rs src/rfm/table.rs src/cli/rfm.rs
    tools/ballista-node.rs tests/distributed.rs scripts/test-distributed.sh
)
STAMP=tests/distributed.tested
hash="$(find "${SOURCES[@]}" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -f "$STAMP" ]] && grep -q "^sources $hash\$" "$STAMP"; then
    echo "distributed: sources unchanged since the recorded pass ($(grep '^passed' "$STAMP")); not rebuilt"
    exit 0
fi

start=$(date +%s)
# One feature set (`ballista-node` includes `distributed`) for every step: one DataFusion build.
echo "== clippy --features ballista-node"
cargo clippy --release --all-targets --features ballista-node -- -D warnings
echo "== the feature's unit tests and the live-cluster test"
cargo test --release --features ballista-node --lib distributed::
cargo test --release --features ballista-node --test distributed -- --test-threads=1
took=$(( $(date +%s) - start ))
cat > "$STAMP" <<EOF
# Written by scripts/test-distributed.sh after a passing run; scripts/test.sh skips the
# distributed checks while these sources keep this hash.
sources $hash
passed $(date -u +%Y-%m-%d) in ${took} s
EOF
echo "distributed: passed in ${took} s; $STAMP updated (commit it)"
