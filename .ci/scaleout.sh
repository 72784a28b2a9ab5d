#!/usr/bin/env bash
# Two `mstream serve` processes on one PostgreSQL database and one media
# root, behind Debian's nginx (round robin, keep-alive), budgets counted in
# Redis — the deployment of docs/deploy.md — checked from outside by
# .ci/scaleout_check.py: writes through one process read at once through
# the other (1,000 probes), the 61st request of a user and of an address
# refused across both, a replaced file served by both.
#
# Usage: PG_URL=postgres://user@127.0.0.1:5432/test bash .ci/scaleout.sh
# (PG_URL names a database the user may CREATE DATABASE from.)
set -euo pipefail
cd "$(dirname "$0")/.."
here="$(pwd)"
: "${PG_URL:?PG_URL=postgres://user@host:port/db}"

apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null || apt_install redis-server
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/mstream-ci-redis.log
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if [[ -z "${MSTREAM_BIN:-}" ]]; then
    cargo build --quiet -p mstream
    MSTREAM_BIN="${CARGO_TARGET_DIR:-$here/target}/debug/mstream"
fi

work="$(mktemp -d)"
db="mstream_scale_$$"
pids=()
cleanup() {
    [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -q "$PG_URL" -c "CREATE DATABASE $db"
db_url="${PG_URL%/*}/$db"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_a="$(free_port)"; port_b="$(free_port)"; port_proxy="$(free_port)"

# What every process of one site must share (docs/deploy.md).
export MSTREAM_ENV=ci
export MSTREAM__DATABASE__URL="$db_url"
export MSTREAM__MEDIA__ROOT="$work/content"
export MSTREAM__SECRET_KEY="scaleout-$(date +%s)-a-secret-shared-by-every-process"
export MSTREAM__SERVER__TRUSTED_PROXIES=127.0.0.1
export MSTREAM__THROTTLE__REDIS_URL=redis://127.0.0.1:6379/0
export MSTREAM__THROTTLE__REDIS_PREFIX="mstream-ci-$$:"
export MSTREAM__THROTTLE__USER_PER_MINUTE=60
export MSTREAM__THROTTLE__ANON_PER_MINUTE=60
# The probes write and read as an admin, thousands of times a minute.
export MSTREAM__THROTTLE__ADMIN_PER_MINUTE=0
# Caches that would keep a stale answer for a minute if nothing said so.
export MSTREAM__DATABASE__READ_CACHE_MS=60000
export MSTREAM__AUTH__TOKEN_CACHE_MS=60000
export MSTREAM__AUTH__BCRYPT_COST=4
export RUST_LOG="${RUST_LOG:-warn}"

# Both start at once on the empty database: migrations must run once.
(cd "$work" && MSTREAM__SERVER__PORT="$port_a" exec "$MSTREAM_BIN" serve >"$work/a.log" 2>&1) &
pids+=($!)
(cd "$work" && MSTREAM__SERVER__PORT="$port_b" exec "$MSTREAM_BIN" serve >"$work/b.log" 2>&1) &
pids+=($!)
for port in "$port_a" "$port_b"; do
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    if ! curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null; then
        echo "a process on port $port did not come up:" >&2
        cat "$work"/a.log "$work"/b.log >&2
        exit 1
    fi
done
migrations="$(psql -qAt "$db_url" -c 'SELECT count(*), count(DISTINCT version) FROM __diesel_schema_migrations')"
echo "migrations recorded (rows|distinct): $migrations"
[[ "${migrations%|*}" == "${migrations#*|}" ]]

cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx-body;
    proxy_temp_path $work/nginx-proxy;
    fastcgi_temp_path $work/nginx-fastcgi;
    uwsgi_temp_path $work/nginx-uwsgi;
    scgi_temp_path $work/nginx-scgi;
    upstream mstream {
        server 127.0.0.1:$port_a;
        server 127.0.0.1:$port_b;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:$port_proxy;
        client_max_body_size 0;
        error_page 414 /.uri-too-long;
        location = /.uri-too-long {
            internal;
            default_type application/json;
            return 414 '{"detail":"Request URI is too long: at most 8192 bytes are accepted."}';
        }
        location / {
            proxy_pass http://mstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_request_buffering off;
            proxy_buffering off;
        }
    }
}
EOF
"$NGINX" -t -q -c "$work/nginx.conf" -p "$work"
"$NGINX" -c "$work/nginx.conf" -p "$work"

(cd "$work" && MSTREAM_SUPERUSER_PASSWORD=Keeper-of-probes-9431 "$MSTREAM_BIN" createsuperuser \
    --username scale-admin --email scale-admin@example.com --noinput >/dev/null)

status=0
python3 "$here/.ci/scaleout_check.py" \
    --proxy "http://127.0.0.1:$port_proxy" \
    --a "http://127.0.0.1:$port_a" --b "http://127.0.0.1:$port_b" \
    --admin scale-admin --password Keeper-of-probes-9431 \
    --probes "${SCALE_PROBES:-1000}" || status=$?
if [[ "$status" -eq 0 ]]; then
    # The generated-client scenario of .ci/client.sh, through the proxy.
    # shellcheck source=lib/serve.sh
    source "$here/.ci/lib/serve.sh"
    venv="${CLIENT_VENV:-$HOME/.cache/mstream-openapi-client}"
    python_tool "$venv" openapi-python-client 'openapi-python-client==0.29.1'
    proxy="http://127.0.0.1:$port_proxy"
    curl -fsS "$proxy/api/schema/" -o "$work/schema.json"
    printf 'post_hooks: []\n' >"$work/client-config.yaml"
    (cd "$work" && "$venv/bin/openapi-python-client" generate --path schema.json \
        --config client-config.yaml \
        --custom-template-path "$here/.ci/openapi-python-client/templates" \
        --output-path "$work/client" --meta none --overwrite >/dev/null)
    admin_token="$(curl -fsS -H 'Content-Type: application/json' \
        -d '{"username": "scale-admin", "password": "Keeper-of-probes-9431"}' \
        "$proxy/user/login/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
    (cd "$here" && PYTHONPATH="$work" MSTREAM_BASE="$proxy" MSTREAM_ADMIN_TOKEN="$admin_token" \
        "$venv/bin/python" .ci/client_check.py) || status=$?
    [[ "$status" -eq 0 ]] && echo "the generated Python client's scenario passes through the proxy"
fi
if [[ "$status" -ne 0 ]]; then
    echo "--- process A" >&2; grep -E 'WARN|ERROR|panicked' "$work/a.log" | tail -30 >&2 || true
    echo "--- process B" >&2; grep -E 'WARN|ERROR|panicked' "$work/b.log" | tail -30 >&2 || true
    cat "$work/nginx-error.log" >&2 || true
fi
exit "$status"
