#!/usr/bin/env bash
# The benchmark harness (issue #9): builds the release binary, starts it on
# loopback with a fresh database, seeds it, and runs wrk over the API and
# media scenarios, each followed by its reference (a minimal actix-web
# server returning the same bytes, or nginx serving the same file), then
# writes bench/results/<date>.md and the table in bench/README.md.
#
#   bench/run.sh [--scale] [--duration S] [--warmup S] [--postgres URL] [--no-build]
#                [--only LIST] [--perf] [--no-cache]
#
#   --scale          100,000 contents (25,000 artists, 250,000 reviews, 5,000
#                    users) instead of 2,000 / 500 / 5,000 / 100
#   --duration S     seconds per wrk run (default 10)
#   --warmup S       seconds of unmeasured load before each run (default 2)
#   --postgres URL   use PostgreSQL: URL of an existing database on a server
#                    where the URL's role may CREATE DATABASE; the run creates
#                    a fresh database next to it and drops it at the end
#   --no-build       use the binaries already in $CARGO_TARGET_DIR/release
#   --only LIST      run only these scenarios (comma-separated: list, detail,
#                    search, reviews, range64k, download, upload), e.g. to
#                    iterate on one of them
#   --perf           also record the server with `perf record -g` during each
#                    mstream run and keep the reports in
#                    bench/results/<date>[-<label>]-perf/<scenario>.txt (the numbers of
#                    such a run are perturbed by the sampling)
#   --no-cache       turn the server's read and token caches off
#                    (database.read_cache_ms=0, auth.token_cache_ms=0), so
#                    that every request takes the database path; results go
#                    to <date>-nocache.md and their own README table
#   --cache-only     skip the second, cache-off server (see below)
#
# By default (issue #18) a second server runs on the same database with
# database.read_cache_ms=0 (token cache on), and every JSON scenario is run
# against both servers and the one ceiling run: the results hold the
# cache-on table and the cache-off ("database path") table, and each
# server's peak RSS over the whole run.
#
# Environment: CARGO_TARGET_DIR (default <repo>/target), MSTREAM_BIN and
# CEILING_BIN (binaries to use instead, e.g. to compare builds; implies
# nothing about --no-build), BENCH_LABEL (suffix of the results file, so such
# a run does not replace the day's results), BENCH_CONNECTIONS
# (64), BENCH_THREADS (2), BENCH_WORKERS (server workers, default one per
# CPU, the same for mstream and the ceiling), BENCH_TMP (where the scratch
# directory goes; needs ~3 GiB).
#
# Everything listens on 127.0.0.1 only; every wait and every load loop is
# bounded in time; every process started here is stopped on any exit.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/bench"
py=(python3 "$bench/bench.py")

scale=0
duration=10
warmup=2
pg_url=""
build=1
profile=0
only=""
caches=1
second=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale=1 ;;
        --duration) duration="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --postgres) pg_url="$2"; shift ;;
        --no-build) build=0 ;;
        --perf) profile=1 ;;
        --no-cache) caches=0; second=0 ;;
        --cache-only) second=0 ;;
        --only) only=",$2,"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
connections="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
cpus="$(nproc)"
workers="${BENCH_WORKERS:-$cpus}"

want() { [[ -z "$only" || "$only" == *",$1,"* ]]; }
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- tools ----------------------------------------------------------------
missing=()
for tool in wrk nginx curl python3; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]} with apt-get"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get install -y "${missing[@]}" >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# --- build ----------------------------------------------------------------
target="${CARGO_TARGET_DIR:-$here/target}"
if [[ $build -eq 1 ]]; then
    log "building the release binary and the ceiling (cargo build --release)"
    (cd "$here" && cargo build --release --quiet -p mstream --bin mstream --example ceiling)
fi
bin="${MSTREAM_BIN:-$target/release/mstream}"
ceiling_bin="${CEILING_BIN:-$target/release/examples/ceiling}"
[[ -x "$bin" && -x "$ceiling_bin" ]] || { echo "run.sh: no $bin or $ceiling_bin" >&2; exit 1; }

# --- scratch space and clean-up --------------------------------------------
work="$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/mstream-bench.XXXXXX")"
pids=()
pg_admin=""
pg_db=""
cleanup() {
    local status=$?
    set +e
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        # Bounded: a process that ignores TERM for 10 s gets KILL.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [[ -n "$pg_db" ]]; then
        timeout 30 psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1
    fi
    if [[ $status -ne 0 && -f "$work/server.log" ]]; then
        echo "run.sh: failed; last lines of the server log:" >&2
        tail -20 "$work/server.log" >&2
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # url, seconds
    local i
    for i in $(seq 1 $(($2 * 10))); do
        curl -fsS -o /dev/null -r 0-0 "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "run.sh: $1 did not answer within $2 s" >&2
    return 1
}
rss_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mib() { python3 -c "print(round($1 / 1024, 1))"; }

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(loadavg)"
log "scratch directory $work; load average $load_before"

# --- the database -----------------------------------------------------------
if [[ $scale -eq 1 ]]; then
    contents=100000 artists=25000 reviews=250000 users=5000
else
    contents=2000 artists=500 reviews=5000 users=100
fi
if [[ -n "$pg_url" ]]; then
    pg_admin="$pg_url"
    pg_db="mstream_bench_$$_$(date +%s)"
    timeout 30 psql -q "$pg_admin" -c "CREATE DATABASE \"$pg_db\"" >/dev/null
    db_url="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$pg_url" "$pg_db")"
    backend="PostgreSQL"
else
    db_url="sqlite://$work/mstream.sqlite3"
    backend="SQLite"
fi

port="$(free_port)"
base="http://127.0.0.1:$port"
export MSTREAM_ENV=bench
export MSTREAM__SERVER__HOST=127.0.0.1
export MSTREAM__SERVER__PORT="$port"
export MSTREAM__SERVER__WORKERS="$workers"
export MSTREAM__DATABASE__URL="$db_url"
export MSTREAM__MEDIA__ROOT="$work/media"
export MSTREAM__MEDIA__MAX_UPLOAD_BYTES=$((2 * 1024 * 1024 * 1024))
export MSTREAM__AUTH__BCRYPT_COST=4
export MSTREAM__SECRET_KEY="bench-$(date +%s)-$$"
export MSTREAM__THROTTLE__USER_PER_MINUTE=0
export MSTREAM__THROTTLE__ANON_PER_MINUTE=0
export MSTREAM__THROTTLE__ADMIN_PER_MINUTE=0
if [[ $caches -eq 0 ]]; then
    export MSTREAM__DATABASE__READ_CACHE_MS=0 MSTREAM__AUTH__TOKEN_CACHE_MS=0
fi
export RUST_LOG="${RUST_LOG:-warn}"
mkdir -p "$work/media"

log "seeding $backend: $contents contents, $artists artists, $reviews reviews, $users users"
(cd "$work" && timeout 1800 "$bin" migrate >/dev/null)
seed_start=$(date +%s.%N)
(cd "$work" && timeout 1800 "$bin" seed --contents "$contents" --artists "$artists" \
    --users "$users" --reviews "$reviews" --seed 9 >"$work/seed.log" 2>&1)
seed_secs=$(python3 -c "print(round($(date +%s.%N) - $seed_start, 1))")
admin_password='Quartz-lantern-7731'
(cd "$work" && MSTREAM_SUPERUSER_PASSWORD="$admin_password" timeout 60 "$bin" createsuperuser \
    --username benchadmin --email ops@example.com --noinput >/dev/null)

(cd "$work" && exec "$bin" serve >"$work/server.log" 2>&1) &
server_pid=$!
pids+=("$server_pid")
wait_http "$base/healthz" 30
# The database path: the same binary and database, read cache off.
nc_pid="" nc_base=""
if [[ $second -eq 1 ]]; then
    nc_port="$(free_port)"
    nc_base="http://127.0.0.1:$nc_port"
    (cd "$work" && MSTREAM__SERVER__PORT="$nc_port" MSTREAM__DATABASE__READ_CACHE_MS=0 \
        exec "$bin" serve >"$work/server-nocache.log" 2>&1) &
    nc_pid=$!
    pids+=("$nc_pid")
    wait_http "$nc_base/healthz" 30
fi
# The highest VmHWM seen of the cache-on server (reset before the list run
# and each upload, so noted before each reset and at the end).
run_peak=0
note_peak() {
    local now
    now=$(rss_kib "$server_pid" VmHWM)
    [[ $now -gt $run_peak ]] && run_peak=$now
    return 0
}
token="$("${py[@]}" login "$base" benchadmin "$admin_password")"
export BENCH_TOKEN="$token"
rss_idle=$(rss_kib "$server_pid" VmRSS)

# --- request sets and the ceiling's bodies ------------------------------
log "collecting content ids"
n_ids=$("${py[@]}" ids "$base" "$token" "$work/ids")
log "$n_ids contents"
sed 's|.*|/api/contents/&/|' "$work/ids" >"$work/detail.paths"
sed 's|.*|/api/reviews/?content=&|' "$work/ids" >"$work/reviews.paths"
echo "/api/contents/?page=1" >"$work/list.paths"
echo "/api/contents/?page=1&page_size=100" >"$work/list100.paths"
# Twenty terms over names (adjectives, nouns), genres, types and cast.
for term in silent river golden kingdom midnight storm drama comedy thriller horror \
    documentary short tanaka moreau ava oscar "hidden garden" "iron%20empire" frozen station; do
    echo "/api/contents/?search=${term// /%20}&ordering=-rating"
done >"$work/search.paths"

mkdir -p "$work/bodies"
declare -A body_sizes
for s in list detail search reviews; do
    body_sizes[$s]="$("${py[@]}" sample "$base" "$token" "$work/$s.paths" "$work/bodies/$s.json")"
done

# With the read cache on, the per-miss figure waits out its 1 s lifetime.
miss_wait=0
[[ $caches -eq 1 ]] && miss_wait=1.1
declare -A sql sql_miss
for s in list list100 detail search reviews; do
    read -r sql[$s] sql_miss[$s] <<<"$("${py[@]}" sql "$base" "$token" "$work/$s.paths" 40 "$miss_wait")"
done
declare -A sql_nc
if [[ -n "$nc_base" ]]; then
    for s in list list100 detail search reviews; do
        read -r sql_nc[$s] _ <<<"$("${py[@]}" sql "$nc_base" "$token" "$work/$s.paths" 40 0)"
    done
    log "cache-off server, SQL per request: list ${sql_nc[list]} (page_size=100: ${sql_nc[list100]}), detail ${sql_nc[detail]}, search ${sql_nc[search]}, reviews ${sql_nc[reviews]}"
fi
log "SQL per request: list ${sql[list]} (page_size=100: ${sql[list100]}), detail ${sql[detail]}, search ${sql[search]}, reviews ${sql[reviews]}; per database read: list ${sql_miss[list]} (${sql_miss[list100]}), detail ${sql_miss[detail]}, search ${sql_miss[search]}, reviews ${sql_miss[reviews]}"

cport="$(free_port)"
"$ceiling_bin" --port "$cport" "$work/bodies" >"$work/ceiling.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$cport/list.json" 10

# --- media: a 512 MiB file uploaded through the API, served by nginx too ---
media_mib=512
mkdir -p "$work/src"
first_id="$(head -1 "$work/ids")"
upload() { # file, name, out json -> prints "seconds rss_growth_kib"
    local before after
    before=$(rss_kib "$server_pid" VmRSS)
    note_peak
    echo 5 >"/proc/$server_pid/clear_refs"
    local t
    t=$(curl -fsS --max-time 600 -o "$3" -w '%{time_total}' -H "Authorization: Token $token" \
        -F "name=$2" -F "content=$first_id" -F "file=@$1;type=video/mp4" "$base/api/conmediafile/")
    after=$(rss_kib "$server_pid" VmHWM)
    echo "$t $((after - before))"
}
# Uploads are sniffed (only media are stored): random bytes behind an MP4
# ftyp box, the file as many bytes as asked.
fake_mp4() { # bytes, out
    { printf '\000\000\000\030ftypisom\000\000\002\000isomiso2'
      head -c $(($1 - 24)) /dev/urandom; } >"$2"
}
media_secs=0 media_growth=0
if want range64k || want download; then
log "making and uploading a $media_mib MiB media file"
fake_mp4 $((media_mib * 1024 * 1024)) "$work/src/bench.mp4"
upload "$work/src/bench.mp4" bench-media "$work/media.json" >"$work/upload-media.txt"
read -r media_secs media_growth <"$work/upload-media.txt"
media_url="$("${py[@]}" field "$work/media.json" file)"
media_path="/${media_url#http://*/}"
media_size=$((media_mib * 1024 * 1024))
# The URL is /content/<stored name>, the stored name relative to the media root.
stored_name="${media_path%%\?*}"
stored="$work/media/${stored_name#/content/}"
[[ "$(stat -c %s "$stored")" -eq $media_size ]] || { echo "run.sh: stored file $stored has the wrong size" >&2; exit 1; }

nport="$(free_port)"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
nginx_user=""
[[ $(id -u) -eq 0 ]] && nginx_user="user root;"
cat >"$work/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes $workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush off;
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    types { video/mp4 mp4; }
    server {
        listen 127.0.0.1:$nport;
        location /content/ { alias $work/media/; }
    }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" >"$work/nginx/logs/stdout.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$nport$media_path" 10
curl -fsS -o /dev/null -r 0-65535 "$base$media_path"
echo "$media_path" >"$work/media.paths"
read -r sql[range64k] sql_miss[range64k] <<<"$("${py[@]}" sql "$base" "$token" "$work/media.paths" 40)"
fi

# --- the runs ---------------------------------------------------------------
: >"$work/results.jsonl"
declare -A load
perf_dir=""
if [[ $profile -eq 1 ]]; then
    perf_dir="$bench/results/$(date -u +%Y-%m-%d)${BENCH_LABEL:+-$BENCH_LABEL}-perf"
    mkdir -p "$perf_dir"
fi
perf_summary() ( # data file, scenario: inclusive and self time per symbol
    set +eo pipefail
    tidy() { sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//' | grep -v '^#' \
        | grep -v '^$' | cut -c1-220; }
    echo "# perf, mstream server, scenario $2: inclusive time (children) per symbol, >= 1.5 %"
    perf report -i "$1" --stdio --children --sort symbol -g none --percent-limit 1.5 2>/dev/null | tidy
    echo; echo "# self time per symbol, >= 0.7 %"
    perf report -i "$1" --stdio --no-children --sort symbol -g none --percent-limit 0.7 2>/dev/null | tidy
    echo; echo "# self time per shared object"
    perf report -i "$1" --stdio --no-children --sort dso -g none 2>/dev/null | tidy | head -8
)
# run_wrk SCENARIO ROLE URL SCRIPT TIMEOUT [VAR=VALUE ...]; WRK_C / WRK_T
# override the connections and threads for one call.
run_wrk() {
    local name=$1 role=$2 url=$3 script=$4 tmo=$5
    shift 5
    local c="${WRK_C:-$connections}" t="${WRK_T:-$threads}" perf_pid=""
    if [[ $script != rotate.lua ]]; then
        curl -fsS -o /dev/null -r 0-0 -H "Authorization: Token $token" "$url"
    fi
    if [[ $warmup -gt 0 ]]; then
        env "$@" timeout $((warmup + tmo + 10)) wrk -t"$t" -c"$c" -d"${warmup}s" \
            --timeout "${tmo}s" -s "$bench/wrk/$script" "$url" >/dev/null 2>&1 || true
    fi
    if [[ -n "$perf_dir" && $role == mstream ]]; then
        # DWARF unwinding: the release binary has no frame pointers, but
        # its .eh_frame is enough for perf to attribute inclusive time.
        perf record -q -F 199 --call-graph dwarf,16384 -p "$server_pid" -o "$work/perf-$name.data" \
            -- sleep "$duration" >/dev/null 2>&1 &
        perf_pid=$!
        pids+=("$perf_pid")
    fi
    env "$@" timeout $((duration + tmo + 20)) wrk -t"$t" -c"$c" -d"${duration}s" \
        --timeout "${tmo}s" --latency -s "$bench/wrk/$script" "$url" >"$work/wrk-$name-$role.txt" 2>&1
    "${py[@]}" wrk "$name" "$role" "$work/wrk-$name-$role.txt" connections="$c" >>"$work/results.jsonl"
    log "$name/$role: $("${py[@]}" show "$work/results.jsonl")"
    if [[ -n "$perf_pid" ]]; then
        wait "$perf_pid" 2>/dev/null || true
        perf_summary "$work/perf-$name.data" "$name" >"$perf_dir/$name.txt" || true
        rm -f "$work/perf-$name.data"
    fi
}
ceiling="http://127.0.0.1:$cport"

# list, with the server's peak RSS while it runs
list_hwm=0 list_anon=0 list_file=0 list_pss=0 list_threads=0
if want list; then
    load[list]=$(load1)
    note_peak
    echo 5 >"/proc/$server_pid/clear_refs"
    run_wrk list mstream "$base/api/contents/?page=1" fixed.lua 10
    list_hwm=$(rss_kib "$server_pid" VmHWM)
    # VmRSS counts a file page once per mapping (SQLite maps the database
    # once per pooled connection); Pss counts it once.
    list_anon=$(rss_kib "$server_pid" RssAnon)
    list_file=$(rss_kib "$server_pid" RssFile)
    list_pss=$(awk '$1 == "Pss:" {print $2}' "/proc/$server_pid/smaps_rollup")
    list_threads=$(awk '$1 == "Threads:" {print $2}' "/proc/$server_pid/status")
    [[ -n "$nc_base" ]] && run_wrk list mstream-nocache "$nc_base/api/contents/?page=1" fixed.lua 10
    run_wrk list ceiling "$ceiling/list.json" fixed.lua 10
fi

for s in detail search reviews; do
    want "$s" || continue
    load[$s]=$(load1)
    run_wrk "$s" mstream "$base/" rotate.lua 10 BENCH_PATHS="$work/$s.paths"
    [[ -n "$nc_base" ]] && run_wrk "$s" mstream-nocache "$nc_base/" rotate.lua 10 BENCH_PATHS="$work/$s.paths"
    run_wrk "$s" ceiling "$ceiling/$s.json" fixed.lua 10
done

if want range64k; then
load[range64k]=$(load1)
run_wrk range64k mstream "$base$media_path" range.lua 10 BENCH_FILE_SIZE=$media_size
run_wrk range64k nginx "http://127.0.0.1:$nport$media_path" range.lua 10 BENCH_FILE_SIZE=$media_size
# The latency of one range request, without 63 others queued in front of it.
WRK_C=1 WRK_T=1 run_wrk range64k mstream-1conn "$base$media_path" range.lua 10 BENCH_FILE_SIZE=$media_size
WRK_C=1 WRK_T=1 run_wrk range64k nginx-1conn "http://127.0.0.1:$nport$media_path" range.lua 10 BENCH_FILE_SIZE=$media_size
fi

# Whole-file downloads take seconds each with 64 at once: a long timeout,
# and bytes/s (which counts partial responses) is the measure.
if want download; then
    load[download]=$(load1)
    run_wrk download mstream "$base$media_path" fixed.lua $((duration + 30))
    run_wrk download nginx "http://127.0.0.1:$nport$media_path" fixed.lua $((duration + 30))
fi

rm -f "$work/src/bench.mp4"
big_secs=0 big_growth=0
if want upload; then
    log "uploading 1 GiB"
    fake_mp4 $((1024 * 1024 * 1024)) "$work/src/big.mp4"
    upload "$work/src/big.mp4" bench-upload-1g "$work/big.json" >"$work/upload-big.txt"
    read -r big_secs big_growth <"$work/upload-big.txt"
    rm -f "$work/src/big.mp4"
fi
rss_end=$(rss_kib "$server_pid" VmRSS)
note_peak
nc_peak=0
[[ -n "$nc_pid" ]] && nc_peak=$(rss_kib "$nc_pid" VmHWM)

# --- the report ---------------------------------------------------------------
finished="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_after="$(loadavg)"
commit="$(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- crates migrations Cargo.lock || echo '+dirty')"
export META_LOAD="$(for k in "${!load[@]}"; do echo "$k=${load[$k]}"; done)"
export META_BODIES="$(for k in "${!body_sizes[@]}"; do echo "$k=${body_sizes[$k]}"; done)"
export META_SQL="$(for k in "${!sql[@]}"; do echo "$k=${sql[$k]}"; done)"
export META_SQL_NC="$(for k in "${!sql_nc[@]}"; do echo "$k=${sql_nc[$k]}"; done)"
export META_SQL_MISS="$(for k in "${!sql_miss[@]}"; do echo "$k=${sql_miss[$k]}"; done)"
python3 - "$work/meta.json" <<EOF
import json, os, sys
kv = lambda name: dict(l.split("=", 1) for l in os.environ[name].splitlines() if l)
order = lambda d, keys: {k: d[k] for k in keys if k in d}
sql = {k: float(v) for k, v in kv("META_SQL").items()}
sql_miss = {k: float(v) for k, v in kv("META_SQL_MISS").items() if v != "-"}
sql_nc = {k: float(v) for k, v in kv("META_SQL_NC").items()}
bodies = {k: " / ".join(v.split()) for k, v in kv("META_BODIES").items()}
json.dump({
    "started": "$started", "finished": "$finished",
    "commit": "$commit" + (" (binary: ${BENCH_LABEL:-$bin})" if "${MSTREAM_BIN:-}" else ""),
    "backend": "$backend", "postgres": bool("$pg_url"), "scale": bool($scale),
    "caches": bool($caches),
    "contents": $contents, "artists": $artists, "reviews": $reviews, "users": $users,
    "connections": $connections, "threads": $threads, "duration": $duration,
    "warmup": $warmup, "workers": $workers, "cpus": $cpus,
    "load_before": "$load_before", "load_after": "$load_after",
    "load": order(kv("META_LOAD"), ["list", "detail", "search", "reviews", "range64k", "download"]),
    "body_sizes": order(bodies, ["list", "detail", "search", "reviews"]),
    "sql": order(sql, ["list", "list100", "detail", "search", "reviews", "range64k"]),
    **({"sql_nocache": order(sql_nc, ["list", "list100", "detail", "search", "reviews"])}
       if sql_nc else {}),
    "sql_list_20": sql["list"], "sql_list_100": sql["list100"],
    "sql_miss": order(sql_miss, ["list", "list100", "detail", "search", "reviews"]),
    **({"sql_miss_list_20": sql_miss["list"], "sql_miss_list_100": sql_miss["list100"]}
       if "list" in sql_miss and "list100" in sql_miss else {}),
    "seed_secs": $seed_secs, "label": "${BENCH_LABEL:-}",
    **({"media_upload_mib_s": $media_mib / $media_secs,
        "media_upload_rss_growth_mib": $media_growth / 1024} if $media_secs else {}),
    **({"upload_mib_s": 1024 / $big_secs, "upload_rss_growth_mib": $big_growth / 1024}
       if $big_secs else {}),
    "rss_idle_mib": $rss_idle / 1024,
    **({"list_rss_peak_mib": $list_hwm / 1024, "list_rss_anon_mib": $list_anon / 1024,
        "list_rss_file_mib": $list_file / 1024, "list_pss_mib": $list_pss / 1024,
        "list_threads": $list_threads} if $list_hwm else {}),
    "rss_end_mib": $rss_end / 1024,
    "rss_run_peak_mib": $run_peak / 1024,
    **({"nocache_rss_run_peak_mib": $nc_peak / 1024} if $nc_peak else {}),
}, open(sys.argv[1], "w"), indent=1)
EOF
name="$(date -u +%Y-%m-%d)"
[[ $scale -eq 1 ]] && name+="-scale"
[[ -n "$pg_url" ]] && name+="-pg"
[[ $caches -eq 0 ]] && name+="-nocache"
[[ -n "${BENCH_LABEL:-}" ]] && name+="-$BENCH_LABEL"
mkdir -p "$bench/results"
"${py[@]}" report "$work/results.jsonl" "$work/meta.json" "$bench/results/$name.md" "$bench/README.md"
if [[ -n "${BENCH_LABEL:-}" ]]; then
    log "wrote bench/results/$name.md (a labelled run leaves bench/README.md alone); load average now $load_after"
else
    log "wrote bench/results/$name.md and the table in bench/README.md; load average now $load_after"
fi
