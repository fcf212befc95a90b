# Sourced by the other scripts: where builds go.
# The target directory lives outside the clone so that CI's fresh clones and a developer's
# checkout share one build cache (a cold release build of polars takes about 11 minutes here).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custseg/target}"
