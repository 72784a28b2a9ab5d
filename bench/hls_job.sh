#!/usr/bin/env bash
# What an HLS packaging job costs the API (issue #20): the server's RSS while
# a stream-copy job runs, and the list endpoint's latency under wrk with and
# without a job running. Uses a release binary (MSTREAM_BIN, else builds
# one), SQLite, a seeded catalog, and a long H.264/AAC video made with
# ffmpeg (a 60 s clip concatenated, so the job runs long enough to measure).
#
#   bash bench/hls_job.sh [MINUTES]      # video length, default 120
#
# The server's settings come from the environment as usual, e.g.
# MSTREAM__HLS__READ_MIB_PER_SEC=0 for an unpaced job. The list is measured
# in 8 s windows: one before the upload, up to WINDOWS (default 4) while the
# job runs, one after it; the RSS sampler (one python process, no forks)
# runs through all of them, so that it weighs on every window alike.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
minutes="${1:-120}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mstream-target}"
if [[ -z "${MSTREAM_BIN:-}" ]]; then
    (cd "$here" && cargo build --release --quiet -p mstream --bin mstream)
    MSTREAM_BIN="$CARGO_TARGET_DIR/release/mstream"
fi
source "$here/.ci/lib/serve.sh"
start_mstream_hls() {
    export MSTREAM__HLS__WORKER=true
    export MSTREAM__SERVER__WORKERS=2
    start_mstream
}
start_mstream_hls
(cd "$work" && "$MSTREAM_BIN" seed --contents 2000 --artists 500 --users 50 --reviews 3000 >/dev/null)

echo "--- making a ${minutes}-minute H.264/AAC video"
ffmpeg -v error -nostdin -f lavfi -i testsrc2=size=640x360:rate=24 -f lavfi -i sine=frequency=440 \
    -t 60 -c:v libx264 -preset ultrafast -b:v 600k -c:a aac -b:a 64k -shortest "$work/minute.mp4"
for _ in $(seq 1 "$minutes"); do echo "file '$work/minute.mp4'"; done >"$work/list.txt"
ffmpeg -v error -nostdin -f concat -safe 0 -i "$work/list.txt" -c copy -movflags +faststart "$work/long.mp4"
ls -l "$work/long.mp4" | awk '{printf "video: %.0f MiB\n", $5/1048576}'

content="$(curl -fsS -H "Authorization: Token $token" "$base/api/contents/?page_size=1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["id"])')"
lua="$work/auth.lua"
printf 'wrk.headers["Authorization"] = "Token %s"\n' "$token" >"$lua"
list="$base/api/contents/?page=1"
latency() { wrk -t2 -c32 -d"$1" --latency -s "$lua" "$list" | awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {printf "p50 %s p99 %s req/s %s", p50, p99, rps}'; }

# Peak RSS, sampled four times a second by one process: a shell loop that
# forks awk and sleep ten times a second doubled the list's p99 by itself.
python3 -c '
import sys, time
pid, out = sys.argv[1], sys.argv[2]
peak = 0
while True:
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        break
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            peak = max(peak, int(line.split()[1]))
    with open(out, "w") as f:
        f.write(str(peak))
    time.sleep(0.25)
' "$server_pid" "$work/peak.txt" &
sampler=$!
peak_mib() { echo $(( $(cat "$work/peak.txt") / 1024 )); }

latency 3s >/dev/null
echo "--- the list under wrk, no job: $(latency 8s)"
echo "--- RSS peak before the job: $(peak_mib) MiB"

curl -fsS -o "$work/media.json" -H "Authorization: Token $token" \
    -F name="Long master" -F content="$content" -F file=@"$work/long.mp4" "$base/api/conmediafile/"
media="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/media.json")"
state() { curl -fsS -H "Authorization: Token $token" "$base/api/conmediafile/$media/" \
    | python3 -c 'import json,sys; p=json.load(sys.stdin)["packaging"]; print(p["state"], p.get("progress", ""))'; }
started=$(date +%s.%N)
# The upload's own 576 MiB reach the disk 30 s after they were written
# (vm.dirty_expire_centisecs), in the middle of a paced job: flush them
# now, so that the windows below weigh what the job costs, not the upload.
sync
until [[ "$(state)" == running* ]]; do sleep 0.05; done
for window in $(seq 1 "${WINDOWS:-4}"); do
    [[ "$(state)" == running* ]] || break
    echo "--- the list under wrk, a stream-copy job running ($(state)%): $(latency 8s)"
done
until [[ "$(state)" =~ ^(ready|failed) ]]; do sleep 0.2; done
ended=$(date +%s.%N)
echo "--- job: $(state) after $(python3 -c "print(round($ended-$started,1))") s; server peak RSS so far $(peak_mib) MiB (ffmpeg's own memory not counted)"
echo "--- the list under wrk, after the job: $(latency 8s)"
kill "$sampler" 2>/dev/null || true
