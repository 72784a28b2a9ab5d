#!/usr/bin/env bash
# HLS packaging end to end (issue #20, docs/hls.md):
#   1. installs ffmpeg when missing (Debian's);
#   2. runs the ffmpeg-dependent tests of tests/api/hls.rs (ignored in a
#      plain `cargo test`) on SQLite, and on PostgreSQL when
#      MSTREAM_TEST_DATABASE_URL names one;
#   3. against a running server (its own packaging worker): uploads the
#      committed H.264/AAC clip, waits for the job to be ready, and has
#      `ffprobe` read the master playlist over HTTP with the signed URL; the
#      duration it reports must be the clip's; a tampered signature is
#      refused for the playlist;
#   4. kills that server with SIGKILL while it re-encodes a longer video
#      (hls.ladder): no ffmpeg of it survives; started again, the server
#      finishes the job once (one run folder, no temporary output left)
#      and ffprobe reads the result.
#
# Usage: .ci/hls.sh    Environment: MSTREAM_BIN, ST_DATABASE_URL (see
# .ci/lib/serve.sh), MSTREAM_TEST_DATABASE_URL.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=lib/serve.sh
source .ci/lib/serve.sh

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
fi
say() { printf '\n--- %s\n' "$*"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

say "1. the ffmpeg tests (SQLite)"
MSTREAM_TEST_DATABASE_URL='' cargo test -p mstream --test api hls:: -- --include-ignored
if [[ "${MSTREAM_TEST_DATABASE_URL:-}" == postgres* ]]; then
    say "1b. the ffmpeg tests (PostgreSQL)"
    cargo test -p mstream --test api hls:: -- --include-ignored
fi

say "2. a running server packages an upload"
export MSTREAM__HLS__POLL_INTERVAL_MS=200
start_mstream
fail() { echo "hls.sh: $*" >&2; server_log; exit 1; }
api() { # METHOD PATH TOKEN [JSON]
    curl -fsS -X "$1" -H "Authorization: Token $3" -H 'Content-Type: application/json' \
        ${4:+-d "$4"} "$base$2"
}
clip="$here/tests/fixtures/hls.mp4"
expected=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$clip")
kind=$(api POST /api/contype/ "$token" '{"type": "Clip"}' | json 'd["id"]')
genre=$(api POST /api/genre/ "$token" '{"name": "Test"}' | json 'd["id"]')
tag=$(api POST /api/parcontag/ "$token" '{"name": "U"}' | json 'd["id"]')
artist=$(api POST /api/artists/ "$token" '{"name": "Test Pattern", "about": "ffmpeg"}' | json 'd["id"]')
content=$(api POST /api/contents/ "$token" "{\"name\": \"HLS clip\", \"about\": \"testsrc\",
    \"genre\": [\"$genre\"], \"cast\": [\"$artist\"], \"parental_control_tags\": [\"$tag\"],
    \"type\": \"$kind\"}" | json 'd["id"]')
curl -fsS -H "Authorization: Token $token" -F name="HLS clip" -F content="$content" \
    -F "file=@$clip;type=video/mp4" "$base/api/conmediafile/" >/dev/null
state=""
for _ in $(seq 1 300); do
    state=$(api GET "/api/catalog/$content/" "$token" | json 'd["media"][0]["packaging"]["state"]')
    [[ "$state" == ready || "$state" == failed ]] && break
    sleep 0.2
done
entry=$(api GET "/api/catalog/$content/" "$token")
echo "$entry" | json 'd["media"][0]["packaging"]'
[[ "$state" == ready ]] || fail "the job did not become ready: $state"
master=$(echo "$entry" | json 'd["media"][0]["hls_url"]')
reported=$(echo "$entry" | json 'd["media"][0]["duration"]')
echo "master playlist: $master"

say "3. ffprobe reads the master playlist over HTTP"
probed=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$master")
echo "clip: ${expected}s  ffprobe over HLS: ${probed}s  catalog: ${reported}s"
python3 - "$expected" "$probed" "$reported" <<'PY' || fail "durations differ"
import sys
expected, probed, reported = map(float, sys.argv[1:])
assert abs(probed - expected) < 0.25, (probed, expected)
assert abs(reported - expected) < 0.05, (reported, expected)
PY
signature=$(python3 -c "import sys; p=sys.argv[1].split('/'); i=p.index('hls'); print(p[i+2])" "$master")
bad="${master/$signature/0${signature:1}}"
[[ "$bad" != "$master" ]] || bad="${master/$signature/1${signature:1}}"
status=$(curl -s -o /dev/null -w '%{http_code}' "$bad")
[[ "$status" == 403 ]] || fail "a tampered playlist URL answered $status, not 403"

say "4. kill -9 of the server mid-job, then a restart"
# A 60 s clip re-encoded to two renditions: long enough (seconds) to
# be killed in the middle.
long="$work/long.mp4"
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 60 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$long"
long_expected=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$long")
serve_again() {
    (cd "$work" && exec "$MSTREAM_BIN" serve >>"$work/server.log" 2>&1) &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "the server did not start again"
}
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
export MSTREAM__HLS__LADDER="360:800,180:300" MSTREAM__HLS__LEASE_SECS=3
serve_again
content2=$(api POST /api/contents/ "$token" "{\"name\": \"Long clip\", \"about\": \"testsrc2\",
    \"genre\": [\"$genre\"], \"cast\": [\"$artist\"], \"parental_control_tags\": [\"$tag\"],
    \"type\": \"$kind\"}" | json 'd["id"]')
media=$(curl -fsS -H "Authorization: Token $token" -F name="Long clip" -F content="$content2" \
    -F "file=@$long;type=video/mp4" "$base/api/conmediafile/" | json 'd["id"]')
out="$MSTREAM__MEDIA__ROOT/hls/$media"
# ffmpeg of this server's media root that is packaging (not probing).
packaging() { pgrep -f -- "ffmpeg.*-i $MSTREAM__MEDIA__ROOT/.*-progress pipe:1" || true; }
segment=""
for _ in $(seq 1 600); do
    segment=$(find "$out" -path '*/.tmp-*' -name 'seg*.m4s' 2>/dev/null | head -1 || true)
    [[ -n "$segment" && -n "$(packaging)" ]] && break
    sleep 0.1
done
[[ -n "$segment" && -n "$(packaging)" ]] || fail "the job did not start packaging"
temp=$(basename "$(dirname "$(dirname "$segment")")")
echo "packaging into $temp (ffmpeg $(packaging | tr '\n' ' ')): kill -9 the server"
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
# PR_SET_PDEATHSIG: the kernel kills ffmpeg with the server; give it a
# moment to be reaped, bounded.
for _ in $(seq 1 50); do
    [[ -z "$(packaging)" ]] && break
    sleep 0.1
done
[[ -z "$(packaging)" ]] || fail "ffmpeg survived the server: $(packaging)"
[[ -d "$out/$temp" ]] || fail "the killed worker's temporary output is not there to clean up"
echo "no ffmpeg survived; $temp is left behind"
serve_again
state=""
for _ in $(seq 1 1500); do
    state=$(api GET "/api/catalog/$content2/" "$token" | json 'd["media"][0]["packaging"]["state"]')
    [[ "$state" == ready || "$state" == failed ]] && break
    sleep 0.2
done
entry=$(api GET "/api/catalog/$content2/" "$token")
echo "$entry" | json 'd["media"][0]["packaging"]'
[[ "$state" == ready ]] || fail "the job did not become ready after the restart: $state"
left=$(ls -A "$out")
echo "hls/$media/: $(echo "$left" | tr '\n' ' ')"
[[ "$(echo "$left" | grep -vc '^\.')" == 1 ]] || fail "not exactly one run folder: $left"
! echo "$left" | grep -q '^\.tmp-' || fail "temporary output left: $left"
long_master=$(echo "$entry" | json 'd["media"][0]["hls_url"]')
[[ "$long_master" == *"/$(echo "$left" | grep -v '^\.')/master.m3u8" ]] \
    || fail "the catalog names another run: $long_master"
long_probed=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$long_master")
heights=$(ffprobe -v error -show_entries stream=height -of csv=p=0 "$long_master" | grep . | sort -un | tr '\n' ' ')
echo "long clip: ${long_expected}s  ffprobe over HLS: ${long_probed}s  heights: $heights"
python3 - "$long_expected" "$long_probed" <<'PY' || fail "durations differ"
import sys
expected, probed = map(float, sys.argv[1:])
assert abs(probed - expected) < 0.25, (probed, expected)
PY
[[ "$heights" == "180 360 " ]] || fail "renditions: $heights"

echo
echo "hls.sh: packaged by the server's worker; ffprobe read ${probed}s over HLS; tampered URL refused;"
echo "        a kill -9 mid-job left no ffmpeg, and the restarted server finished the job once"
