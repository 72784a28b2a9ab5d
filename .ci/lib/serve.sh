# Sourced by the CI scripts that test a running server (schemathesis, the
# generated client, promtool): builds the binary unless MSTREAM_BIN names
# one, starts it on a free loopback port with a throwaway database and media
# root, makes an admin with `createsuperuser --noinput` and signs in.
#
# After `start_mstream`: $base (http://127.0.0.1:PORT), $token (the admin's),
# $work (scratch directory, removed on exit), $server_pid. The EXIT trap
# stops the server. ST_DATABASE_URL: an EMPTY database to use instead of a
# temporary SQLite file.

ADMIN_USER="ci-admin"
ADMIN_PASSWORD="Ci-admin-pass-2026"

start_mstream() {
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    if [[ -z "${MSTREAM_BIN:-}" ]]; then
        (cd "$here" && cargo build --quiet -p mstream)
        MSTREAM_BIN="${CARGO_TARGET_DIR:-$here/target}/debug/mstream"
    fi
    work="$(mktemp -d)"
    server_pid=""
    trap stop_mstream EXIT

    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    export MSTREAM_ENV=ci
    export MSTREAM__SERVER__HOST=127.0.0.1
    export MSTREAM__SERVER__PORT="$port"
    export MSTREAM__DATABASE__URL="${ST_DATABASE_URL:-sqlite://$work/mstream.sqlite3}"
    export MSTREAM__MEDIA__ROOT="$work/content"
    export MSTREAM__AUTH__BCRYPT_COST=4
    export MSTREAM__SECRET_KEY="ci-$(date +%s)"
    # Unlimited budgets: these runs send thousands of requests from one address.
    export MSTREAM__THROTTLE__USER_PER_MINUTE=0
    export MSTREAM__THROTTLE__ANON_PER_MINUTE=0
    export MSTREAM__THROTTLE__ADMIN_PER_MINUTE=0
    export RUST_LOG="${RUST_LOG:-warn}"

    (cd "$work" && "$MSTREAM_BIN" migrate >/dev/null)
    (cd "$work" && MSTREAM_SUPERUSER_PASSWORD="$ADMIN_PASSWORD" \
        "$MSTREAM_BIN" createsuperuser --username "$ADMIN_USER" \
        --email "$ADMIN_USER@example.com" --noinput >/dev/null)
    (cd "$work" && exec "$MSTREAM_BIN" serve >"$work/server.log" 2>&1) &
    server_pid=$!

    base="http://127.0.0.1:$port"
    local _
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "$base/healthz" >/dev/null
    token="$(curl -fsS -H 'Content-Type: application/json' \
        -d "{\"username\": \"$ADMIN_USER\", \"password\": \"$ADMIN_PASSWORD\"}" \
        "$base/user/login/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
}

stop_mstream() {
    if [[ -n "${server_pid:-}" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    [[ -n "${work:-}" ]] && rm -rf "$work"
}

# Prints the server's warnings and errors (after a failure).
server_log() {
    grep -E 'ERROR|WARN|panicked' "$work/server.log" | tail -50 >&2 || true
}

# A virtualenv under ~/.cache holding the given pip requirements; rebuilt
# when they change, so a pin bump takes effect on machines with an old venv.
# Usage: python_tool VENV BINARY REQUIREMENT...
python_tool() {
    local venv="$1" binary="$2"
    shift 2
    local wanted="$*"
    if [[ ! -x "$venv/bin/$binary" || "$(cat "$venv/.requirements" 2>/dev/null)" != "$wanted" ]]; then
        echo "installing $wanted into $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --upgrade pip
        "$venv/bin/pip" install --quiet "$@"
        printf '%s' "$wanted" >"$venv/.requirements"
    fi
}
