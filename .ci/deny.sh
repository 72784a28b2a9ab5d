#!/usr/bin/env bash
# Dependency policy (deny.toml): licences of the whole tree, banned crates
# and duplicate versions, allowed sources. Installs cargo-deny from
# crates.io when missing (about 2.5 minutes of compiling on 2 cores).
#
# Advisories need the RustSec database, cloned from github.com; when GitHub
# cannot be reached (as on the offline build machines) that check is
# skipped with a WARNING: line in the output instead of failing. Set DENY_ADVISORIES=required to
# make an unreachable database a failure.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
    echo "deny.sh: installing cargo-deny (cargo install cargo-deny --locked)" >&2
    cargo install cargo-deny --locked
fi

cargo deny --version
cargo deny check licenses bans sources

if timeout 10 git ls-remote https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1; then
    cargo deny check advisories
elif [[ "${DENY_ADVISORIES:-}" == "required" ]]; then
    echo "deny.sh: the RustSec advisory database (github.com) is unreachable" >&2
    exit 1
else
    # Loud on purpose: a skipped check must not read like a passed one.
    echo "WARNING: cargo deny: security advisories NOT checked: the RustSec advisory database (github.com) is unreachable; licences, bans and sources were checked" >&2
fi
