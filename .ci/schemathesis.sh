#!/usr/bin/env bash
# Property-based API tests with schemathesis, driven by the server's own
# OpenAPI document (/api/schema/): every documented operation gets
# generated requests; a 5xx or a response that does not match the document
# fails the run.
#
# Starts the mstream binary on a free loopback port with a throwaway SQLite
# database, creates an admin with `mstream createsuperuser --noinput`, signs
# in and runs schemathesis with the admin's token. Excluded: sign-out and
# account deletion (they would revoke the token the run uses) and changing
# users (`is_admin: false` on itself would demote the admin, and every later
# admin operation would only see 403); the black-box tests cover those.
#
# Environment:
#   MSTREAM_BIN           binary to test (default: build and use the debug one)
#   ST_MAX_EXAMPLES       examples per operation (default 50)
#   ST_MAX_TIME           time budget for the whole run, seconds (default 240)
#   ST_VENV               virtualenv for schemathesis (default ~/.cache/mstream-schemathesis)
#   ST_DATABASE_URL       an EMPTY database to use instead of a temporary SQLite
#                         file (e.g. postgres://postgres@127.0.0.1:5432/st)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

max_examples="${ST_MAX_EXAMPLES:-50}"
max_time="${ST_MAX_TIME:-240}"
venv="${ST_VENV:-$HOME/.cache/mstream-schemathesis}"

if [[ ! -x "$venv/bin/schemathesis" ]]; then
    echo "schemathesis.sh: installing schemathesis into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet 'schemathesis>=4,<5'
fi

if [[ -z "${MSTREAM_BIN:-}" ]]; then
    cargo build --quiet -p mstream
    MSTREAM_BIN="${CARGO_TARGET_DIR:-$here/target}/debug/mstream"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MSTREAM_ENV=schemathesis
export MSTREAM__SERVER__HOST=127.0.0.1
export MSTREAM__SERVER__PORT="$port"
export MSTREAM__DATABASE__URL="${ST_DATABASE_URL:-sqlite://$work/mstream.sqlite3}"
export MSTREAM__MEDIA__ROOT="$work/content"
export MSTREAM__AUTH__BCRYPT_COST=4
export MSTREAM__SECRET_KEY="schemathesis-$(date +%s)"
# Unlimited budgets: the run sends thousands of requests from one address.
export MSTREAM__THROTTLE__USER_PER_MINUTE=0
export MSTREAM__THROTTLE__ANON_PER_MINUTE=0
export RUST_LOG="${RUST_LOG:-warn}"

(cd "$work" && "$MSTREAM_BIN" migrate >/dev/null)
(cd "$work" && MSTREAM_SUPERUSER_PASSWORD='Schema-thesis-2026' \
    "$MSTREAM_BIN" createsuperuser --username st-admin --email st-admin@example.com --noinput >/dev/null)

(cd "$work" && exec "$MSTREAM_BIN" serve >"$work/server.log" 2>&1) &
server_pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

token="$(curl -fsS -H 'Content-Type: application/json' \
    -d '{"username": "st-admin", "password": "Schema-thesis-2026"}' \
    "$base/user/login/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

status=0
# From the scratch directory: schemathesis keeps a cache in ./.schemathesis.
cd "$work"
"$venv/bin/schemathesis" run "$base/api/schema/" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error,response_schema_conformance \
    --exclude-operation-id user_logout \
    --exclude-operation-id user_delete \
    --exclude-operation-id users_update \
    --exclude-operation-id users_partial_update \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --seed "${ST_SEED:-20261124}" \
    --workers 2 \
    --report junit --report-dir "${ST_REPORT_DIR:-$work/report}" || status=$?

if [[ $status -ne 0 ]]; then
    echo "schemathesis.sh: failures; server log follows" >&2
    grep -E 'ERROR|WARN|panicked' "$work/server.log" | tail -50 >&2 || true
fi
exit $status
