#!/usr/bin/env bash
# The Rust client's tour (examples/rust-service, a cargo project of its own
# outside the workspace that depends only on the domain crates and
# mstream-client) against a real server: builds it, starts mstream as the
# other server-backed checks do (.ci/lib/serve.sh), runs the tour as the CI
# admin, and fails if the tour fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib/serve.sh

cargo build --quiet --locked --manifest-path examples/rust-service/Cargo.toml
start_mstream

if ! MSTREAM_URL="$base" MSTREAM_ADMIN_USER="$ADMIN_USER" \
    MSTREAM_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    "${CARGO_TARGET_DIR:-examples/rust-service/target}/debug/mstream-tour-service"; then
    server_log
    echo "client-rust: the tour failed" >&2
    exit 1
fi
echo "client-rust: the tour passed"
