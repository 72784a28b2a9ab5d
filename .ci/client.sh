#!/usr/bin/env bash
# Contract checks against a running server (.ci/lib/serve.sh):
#  1. A client generated from /api/schema/ by openapi-python-client (PyPI)
#     works: .ci/client_check.py signs up, signs in, curates a small catalog
#     as the admin, reviews as a user and reads the pages back, all through
#     the generated typed functions and models.
#  2. /metrics, after that traffic, passes `promtool check metrics`
#     (Debian's prometheus package; installed when missing).
#
# Environment: MSTREAM_BIN (default: build the debug binary),
# CLIENT_VENV (default ~/.cache/mstream-openapi-client).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=lib/serve.sh
source .ci/lib/serve.sh

venv="${CLIENT_VENV:-$HOME/.cache/mstream-openapi-client}"
python_tool "$venv" openapi-python-client 'openapi-python-client>=0.29,<0.30'
if ! command -v promtool >/dev/null; then
    echo "client.sh: installing promtool (Debian's prometheus)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

start_mstream

curl -fsS "$base/api/schema/" -o "$work/schema.json"
# The generator (0.29) emits code that does not import (`Unset` undefined)
# for a request body offered in two media types, as /user/signup/ and
# /user/login/ are (JSON and form, SPEC §1). The generated client speaks
# JSON, so its copy of the document keeps only JSON where both are offered;
# the form bodies are covered by the black-box tests.
python3 - "$work/schema.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
for item in doc["paths"].values():
    for operation in item.values():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            for media_type in [m for m in content if m != "application/json"]:
                del content[media_type]
json.dump(doc, open(path, "w"))
PY
printf 'post_hooks: []\n' >"$work/client-config.yaml"
(cd "$work" && "$venv/bin/openapi-python-client" generate --path schema.json \
    --config client-config.yaml --output-path "$work/client" --meta none --overwrite)
# The generator's models call `typing.cast` by its bare name, which a
# property named `cast` (a content's cast, SPEC §3) shadows inside
# `from_dict`. Rename the import in the generated files.
find "$work/client" -name '*.py' -exec sed -i -E \
    -e 's/^from typing import cast$/from typing import cast as _typing_cast/' \
    -e 's/\bcast\(/_typing_cast(/g' {} +

status=0
PYTHONPATH="$work" MSTREAM_BASE="$base" MSTREAM_ADMIN_TOKEN="$token" \
    "$venv/bin/python" .ci/client_check.py || status=$?
if [[ $status -ne 0 ]]; then
    echo "client.sh: the generated client failed; server log follows" >&2
    server_log
    exit $status
fi

curl -fsS "$base/metrics" -o "$work/metrics.txt"
if ! promtool check metrics <"$work/metrics.txt"; then
    echo "client.sh: promtool rejects /metrics" >&2
    exit 1
fi
echo "client.sh: generated client works; /metrics passes promtool ($(grep -vc '^#' "$work/metrics.txt") samples)"
