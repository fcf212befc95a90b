#!/usr/bin/env bash
# Starts the evcxr Jupyter kernel for custseg's notebooks in a persistent build directory.
#   usage (from the kernel spec that scripts/setup-notebooks.sh writes):
#       bash scripts/evcxr-kernel.sh EVCXR_JUPYTER_BINARY CONNECTION_FILE
#
# Why: by default evcxr builds every session in a fresh temporary directory. Its compiled-
# dependency cache then replays dependency outputs whose dep-info names generated files
# (OUT_DIR) inside the *first* session's directory, long deleted, so cargo finds ~40 crates
# (serde, thiserror, polars, custseg...) stale in every cell and copies them again from the
# cache: about 7 s of every cell, measured here. In a directory that outlives the session,
# cargo's own fingerprints stay valid and a cell only compiles itself.
#
# Each running kernel holds a lock on one numbered slot (slot-0 first), so two notebooks open
# at once never build in the same directory. evcxr's cache is kept beside the slots, so it only
# ever holds entries made in these directories.
set -euo pipefail
# evcxr_jupyter allocates through mimalloc, which asks the kernel for transparent huge pages
# (madvise) on every large region it maps. Its rust-analyzer (which evcxr runs to learn the types
# of a cell's variables) faults in hundreds of megabytes, and the kernel zeroes each 2 MiB page
# whole: on this kind of machine, 11 s of system time in each notebook's `:dep` cell (perf:
# clear_page_erms under do_huge_pmd_anonymous_page). With THP off for the kernel and the child
# process that runs the cells, that cell took 10.6-12.4 s instead of 23.5-24.5 s (alternating
# runs), and notebook 05 111 s instead of 152 s on the same (slow) day. mimalloc turns THP off
# for the whole process (prctl), which cargo and rustc inherit. A non-empty value already set in
# the environment wins.
export MIMALLOC_ALLOW_THP="${MIMALLOC_ALLOW_THP:-0}"
EVCXR="$1"
CONNECTION_FILE="$2"
BASE="${CUSTSEG_EVCXR_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/custseg/evcxr}"
CONFIG="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/notebooks/evcxr-config"
mkdir -p "$BASE/.cargo"
# Cargo reads .cargo/config.toml from the directories above the one it builds in.
cp "$CONFIG/cargo-config.toml" "$BASE/.cargo/config.toml"

# Each cell's shared object links the toolchain's libstd dynamically and finds it through a
# RUNPATH that rustc makes relative to target/<triple>/debug/deps; evcxr loads the copy one
# directory up, where that relative path is one level short. It only resolved by luck (a build
# directory shallow enough that the extra `..` stopped at /): on a fresh machine, with the
# slots under ~/.cache, every kernel died at start ("dlopen failed": libstd-*.so not found).
# LD_LIBRARY_PATH is searched before RUNPATH, so name the directory outright.
RUST_LIBS="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/lib"
if [ ! -d "$RUST_LIBS" ]; then
    echo "evcxr-kernel.sh: the Rust toolchain's library directory $RUST_LIBS is missing" >&2
    exit 1
fi
export LD_LIBRARY_PATH="$RUST_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DYLD_FALLBACK_LIBRARY_PATH="$RUST_LIBS${DYLD_FALLBACK_LIBRARY_PATH:+:$DYLD_FALLBACK_LIBRARY_PATH}"

if ! command -v flock >/dev/null 2>&1; then
    # No flock (util-linux; macOS lacks it): one shared slot. Two kernels running at once would
    # then build in the same directory, so say so.
    echo "evcxr-kernel.sh: flock not found; all kernels share $BASE/slot-0 (run one notebook at a time)" >&2
    export EVCXR_TMPDIR="$BASE/slot-0" XDG_CACHE_HOME="$BASE/cache"
    mkdir -p "$EVCXR_TMPDIR"
    exec "$EVCXR" --control_file "$CONNECTION_FILE"
fi
for n in 0 1 2 3 4 5 6 7; do
    slot="$BASE/slot-$n"
    mkdir -p "$slot"
    exec 9>"$slot.lock"
    if flock -n 9; then
        # The lock (fd 9) is inherited by the kernel and released when it exits.
        export EVCXR_TMPDIR="$slot"
        export XDG_CACHE_HOME="$BASE/cache"
        exec "$EVCXR" --control_file "$CONNECTION_FILE"
    fi
    exec 9>&-
done
echo "evcxr-kernel.sh: all 8 build slots in $BASE are in use; close a notebook's kernel first." >&2
exit 1
