#!/usr/bin/env bash
# Interleaved A/B of two mstream builds on the database path: one seeded
# database, two servers (read cache off, token cache on, as the cache-off
# half of run.sh), and wrk alternating between them in ABBA rounds so that
# a change of machine load hits both builds alike. run.sh's ratios to the
# ceiling are only comparable within one run; on a shared machine whose
# load moves by minutes this is the fairer way to tell two builds apart.
#
#   bench/ab.sh A_BIN B_BIN [--scale] [--postgres URL] [--rounds N]
#               [--duration S] [--only LIST]
#
#   --rounds N      ABBA rounds (default 2: each build measured 4 times)
#   --duration S    seconds per wrk run (default 5, after 1 s warm-up)
#   --only LIST     scenarios, comma-separated (default list,detail,search,reviews)
#   --scale, --postgres URL: as run.sh
#
# A_ENV / B_ENV: extra settings for one side only, e.g.
#   B_ENV="MSTREAM__DATABASE__POOL_SIZE=4" bench/ab.sh bin bin
#
# Prints, per scenario, the median req/s of each build and B / A. Every
# process it starts is stopped on exit and the scratch directory removed.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/bench"
py=(python3 "$bench/bench.py")
a_bin="${1:?usage: bench/ab.sh A_BIN B_BIN [options]}"
b_bin="${2:?usage: bench/ab.sh A_BIN B_BIN [options]}"
shift 2
scale=0 pg_url="" rounds=2 duration=5 only="list,detail,search,reviews"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale=1 ;;
        --postgres) pg_url="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --only) only="$2"; shift ;;
        *) echo "ab.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
for bin in "$a_bin" "$b_bin"; do
    [[ -x "$bin" ]] || { echo "ab.sh: $bin is not executable" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "ab.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mstream-ab.XXXXXX")"
pids=()
pg_db=""
cleanup() {
    local status=$?
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [[ -n "$pg_db" ]] && timeout 30 psql -q "$pg_url" -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[ab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "ab.sh: $1 did not answer within 30 s" >&2
    return 1
}

if [[ $scale -eq 1 ]]; then
    contents=100000 artists=25000 reviews=250000 users=5000
else
    contents=2000 artists=500 reviews=5000 users=100
fi
if [[ -n "$pg_url" ]]; then
    pg_db="mstream_ab_$$_$(date +%s)"
    timeout 30 psql -q "$pg_url" -c "CREATE DATABASE \"$pg_db\"" >/dev/null
    db_url="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$pg_url" "$pg_db")"
else
    db_url="sqlite://$work/mstream.sqlite3"
fi
export MSTREAM_ENV=bench MSTREAM__SERVER__HOST=127.0.0.1 MSTREAM__SERVER__WORKERS=2
export MSTREAM__DATABASE__URL="$db_url" MSTREAM__MEDIA__ROOT="$work/media"
export MSTREAM__AUTH__BCRYPT_COST=4 MSTREAM__SECRET_KEY="ab-$(date +%s)-$$"
export MSTREAM__THROTTLE__USER_PER_MINUTE=0 MSTREAM__THROTTLE__ANON_PER_MINUTE=0
export MSTREAM__THROTTLE__ADMIN_PER_MINUTE=0 MSTREAM__DATABASE__READ_CACHE_MS=0
export RUST_LOG="${RUST_LOG:-warn}"
mkdir -p "$work/media"

# A seeds and migrates; B must accept A's schema (its migrations are a
# superset, or the same).
log "seeding $contents contents with A"
(cd "$work" && "$a_bin" migrate >/dev/null && "$a_bin" seed --contents "$contents" \
    --artists "$artists" --users "$users" --reviews "$reviews" --seed 9 >/dev/null 2>&1)
(cd "$work" && "$b_bin" migrate >/dev/null)
password='Quartz-lantern-7731'
(cd "$work" && MSTREAM_SUPERUSER_PASSWORD="$password" "$a_bin" createsuperuser \
    --username benchadmin --email ops@example.com --noinput >/dev/null)
declare -A base
for side in a b; do
    port="$(free_port)"
    bin_var="${side}_bin" env_var="${side^^}_ENV"
    read -r -a side_env <<<"${!env_var:-}"
    (cd "$work" && exec env MSTREAM__SERVER__PORT="$port" "${side_env[@]}" "${!bin_var}" serve \
        >"$work/server-$side.log" 2>&1) &
    pids+=("$!")
    base[$side]="http://127.0.0.1:$port"
    wait_http "${base[$side]}/healthz"
done
token="$("${py[@]}" login "${base[a]}" benchadmin "$password")"
export BENCH_TOKEN="$token"
"${py[@]}" ids "${base[a]}" "$token" "$work/ids" >/dev/null
sed 's|.*|/api/contents/&/|' "$work/ids" >"$work/detail.paths"
sed 's|.*|/api/reviews/?content=&|' "$work/ids" >"$work/reviews.paths"
echo "/api/contents/?page=1" >"$work/list.paths"
for term in silent river golden kingdom midnight storm drama comedy thriller horror \
    documentary short tanaka moreau ava oscar "hidden garden" "iron%20empire" frozen station; do
    echo "/api/contents/?search=${term// /%20}&ordering=-rating"
done >"$work/search.paths"

measure() { # SIDE SCENARIO -> req/s
    local url="${base[$1]}"
    BENCH_PATHS="$work/$2.paths" timeout 30 wrk -t2 -c64 -d1s -s "$bench/wrk/rotate.lua" "$url" >/dev/null 2>&1 || true
    BENCH_PATHS="$work/$2.paths" timeout $((duration + 30)) wrk -t2 -c64 -d"${duration}s" \
        -s "$bench/wrk/rotate.lua" "$url" >"$work/wrk.txt" 2>&1
    python3 - "$work/wrk.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^BENCH_RESULT (.*)$", text, re.M)
if not m:
    raise SystemExit(f"ab.sh: no BENCH_RESULT:\n{text[-1000:]}")
f = dict(kv.split("=") for kv in m.group(1).split())
if int(f["errors"]):
    raise SystemExit(f"ab.sh: {f['errors']} errors")
print(round(int(f["requests"]) / (int(f["duration_us"]) / 1e6)))
EOF
}

log "load average $(cut -d' ' -f1-3 /proc/loadavg); $rounds ABBA rounds of ${duration} s per scenario"
printf '| scenario | A req/s (median) | B req/s (median) | B / A | runs (A; B) |\n| --- | ---: | ---: | ---: | --- |\n' >"$work/table.md"
IFS=, read -r -a scenarios <<<"$only"
for s in "${scenarios[@]}"; do
    declare -a ra=() rb=()
    for _ in $(seq 1 "$rounds"); do
        ra+=("$(measure a "$s")"); rb+=("$(measure b "$s")")
        rb+=("$(measure b "$s")"); ra+=("$(measure a "$s")")
    done
    python3 - "$s" "${ra[*]}" "${rb[*]}" >>"$work/table.md" <<'EOF'
import statistics, sys
name, a, b = sys.argv[1], [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"| {name} | {ma:,.0f} | {mb:,.0f} | {mb / ma:.2f} | {', '.join(map(str, a))}; {', '.join(map(str, b))} |")
EOF
    log "$(tail -1 "$work/table.md")"
done
echo "A: ${A_ENV:-} $a_bin"
echo "B: ${B_ENV:-} $b_bin"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/table.md"
