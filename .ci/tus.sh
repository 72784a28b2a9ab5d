#!/usr/bin/env bash
# Resumable uploads with a real tus client (issue #20, "done when"): tuspy
# uploads a SIZE_MIB MiB file (default 1024) in 8 MiB chunks to a running
# server, and is interrupted twice:
#   1. the client is killed (-9) part way; started again, it resumes from
#      the offset the server kept (tuspy's URL storage);
#   2. the server is killed (-9) and started again part way; the client
#      retries, asks for the offset and goes on;
# then the media file's sha256 from the API must equal sha256sum's, and a
# download of its signed URL must be the same bytes.
#
# Usage: .ci/tus.sh [SIZE_MIB]
# Environment: MSTREAM_BIN, ST_DATABASE_URL (see .ci/lib/serve.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=lib/serve.sh
source .ci/lib/serve.sh

size_mib="${1:-1024}"
chunk=$((8 * 1024 * 1024))
venv="$HOME/.cache/mstream-tuspy-venv"
python_tool "$venv" python tuspy

export MSTREAM__MEDIA__MAX_UPLOAD_BYTES=$(((size_mib + 64) * 1024 * 1024))
start_mstream
say() { printf '\n--- %s\n' "$*"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
fail() { echo "tus.sh: $*" >&2; server_log; exit 1; }
api() { # METHOD PATH TOKEN [JSON]
    curl -fsS -X "$1" -H "Authorization: Token $3" -H 'Content-Type: application/json' \
        ${4:+-d "$4"} "$base$2"
}
client_pid=""
cleanup() {
    [[ -n "$client_pid" ]] && kill -9 "$client_pid" 2>/dev/null || true
    stop_mstream
}
trap cleanup EXIT

# The last offset the client printed (0 before any).
client_offset() {
    { grep -E '^offset ' "$work/client.log" || echo "offset 0"; } | tail -n 1 | cut -d' ' -f2
}
# Waits until the client reported more than $1 bytes (or finished).
wait_past() {
    local _
    for _ in $(seq 1 3000); do
        (( $(client_offset) > $1 )) && return 0
        grep -q '^done ' "$work/client.log" && return 0
        kill -0 "$client_pid" 2>/dev/null || fail "the client stopped: $(tail -n 5 "$work/client.log")"
        sleep 0.1
    done
    fail "no progress past $1 bytes"
}
run_client() {
    "$venv/bin/python" .ci/tus_client.py "$base" "$token" "$content" "$file" \
        "$work/tus-urls.json" "$chunk" >>"$work/client.log" 2>&1 &
    client_pid=$!
}
restart_server() {
    kill -9 "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    (cd "$work" && exec "$MSTREAM_BIN" serve >>"$work/server.log" 2>&1) &
    server_pid=$!
    local _
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "the server did not come back"
}

say "1. a ${size_mib} MiB file that sniffs as MP4 (an ftyp box, then random bytes)"
file="$work/big.mp4"
python3 - "$file" "$size_mib" <<'PY'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
    left = mib * 1024 * 1024 - 24
    while left > 0:
        n = min(left, 8 << 20)
        f.write(os.urandom(n))
        left -= n
PY
expected_sha=$(sha256sum "$file" | cut -d' ' -f1)
size=$(stat -c %s "$file")
echo "$file: $size bytes, sha256 $expected_sha"

say "2. a content to attach it to, and what the server offers"
genre=$(api POST /api/genre/ "$token" '{"name": "Tus"}' | json 'd["id"]')
kind=$(api POST /api/contype/ "$token" '{"type": "Tus film"}' | json 'd["id"]')
tag=$(api POST /api/parcontag/ "$token" '{"name": "Tus PG"}' | json 'd["id"]')
artist=$(api POST /api/artists/ "$token" '{"name": "Random Bytes", "about": "urandom"}' | json 'd["id"]')
content=$(api POST /api/contents/ "$token" "{\"name\": \"Resumable Film\", \"about\": \"tus\",
    \"genre\": [\"$genre\"], \"cast\": [\"$artist\"], \"parental_control_tags\": [\"$tag\"],
    \"type\": \"$kind\"}" | json 'd["id"]')
curl -fsS -X OPTIONS -D - -o /dev/null "$base/api/uploads/" | grep -i '^tus-'

started=$(date +%s)
say "3. tuspy uploads; killed (-9) after a third"
run_client
wait_past $((size / 3))
kill -9 "$client_pid"; wait "$client_pid" 2>/dev/null || true
echo "client killed after offset $(client_offset)"

say "4. tuspy again: resumes from the server's offset; the server is killed (-9) and restarted after two thirds"
run_client
wait_past $((size * 2 / 3))
restart_server
echo "server restarted (kill -9) after the client's offset $(client_offset)"
upload_url=$(grep -Eo 'http://[^ )]+/api/uploads/[0-9a-f]+/' "$work/client.log" | head -n 1)
echo "the restarted server's offset: $(curl -fsS -I -H "Authorization: Token $token" \
    -H 'Tus-Resumable: 1.0.0' "$upload_url" | tr -d '\r' | awk -F': ' 'tolower($1) == "upload-offset" { print $2 }')"
wait "$client_pid" || fail "the client failed: $(tail -n 20 "$work/client.log")"
client_pid=""
grep -E '^(starting|resuming|done)' "$work/client.log"
echo "uploaded in $(( $(date +%s) - started )) s"

say "5. the media file: sha256 from the API, and a download"
api GET "/api/conmediafile/?content=$content" "$token" >"$work/media.json"
count=$(json 'd["count"]' <"$work/media.json")
[[ "$count" == 1 ]] || fail "expected one media file, got $count"
stored_sha=$(json 'd["results"][0]["sha256"]' <"$work/media.json")
stored_size=$(json 'd["results"][0]["size"]' <"$work/media.json")
echo "sha256sum: $expected_sha ($size bytes)"
echo "server:    $stored_sha ($stored_size bytes, $(json 'd["results"][0]["mime_type"]' <"$work/media.json"))"
[[ "$stored_sha" == "$expected_sha" && "$stored_size" == "$size" ]] || fail "sha256 or size differs"
url=$(json 'd["results"][0]["file"]' <"$work/media.json")
downloaded_sha=$(curl -fsS "$url" | sha256sum | cut -d' ' -f1)
echo "download:  $downloaded_sha"
[[ "$downloaded_sha" == "$expected_sha" ]] || fail "the download differs"
leftover=$(find "$work/content/.tmp/resumable" -type f 2>/dev/null | wc -l)
echo "staging files left: $leftover"
[[ "$leftover" == 0 ]] || fail "the finished upload left staging files"
say "tus.sh: ok"
