#!/usr/bin/env bash
# The crates other Rust services import (the domain crates and the typed
# client) must be publishable as they stand: `cargo doc` without a warning
# and `cargo package --list` without one (licence files, metadata).
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(mstream-kernel mstream-content mstream-genres mstream-artists mstream-reviews
        mstream-subscriptions mstream-client)
args=()
for c in "${crates[@]}"; do args+=(-p "$c"); done
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps "${args[@]}"
status=0
for c in "${crates[@]}"; do
  out=$(cargo package --list --allow-dirty -p "$c" 2>&1) || { echo "$out"; status=1; continue; }
  if grep -qi '^warning' <<<"$out"; then
    echo "cargo package --list -p $c warns:"; echo "$out"; status=1
  fi
  for f in LICENSE-MIT LICENSE-APACHE src/lib.rs; do
    grep -qx "$f" <<<"$out" || { echo "$c: the package lacks $f"; status=1; }
  done
done
[ "$status" -eq 0 ] && echo "publishable: ${crates[*]}"
exit "$status"
