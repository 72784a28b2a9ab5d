#!/usr/bin/env bash
# Contract checks against a running server (.ci/lib/serve.sh):
#  1. A client generated from /api/schema/ by openapi-python-client (PyPI)
#     works: .ci/client_check.py signs up, signs in, curates a small catalog
#     as the admin, reviews as a user and reads the pages back, all through
#     the generated typed functions and models.
#  2. openapi-typescript (npm) turns the same document into types that
#     .ci/typescript/check.ts type-checks against (tsc --noEmit).
#  3. /metrics, after that traffic, passes `promtool check metrics`
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
# Pinned exactly: .ci/openapi-python-client/templates are copies of this
# version's templates.
python_tool "$venv" openapi-python-client 'openapi-python-client==0.29.1'
if ! command -v promtool >/dev/null; then
    echo "client.sh: installing promtool (Debian's prometheus)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

start_mstream

curl -fsS "$base/api/schema/" -o "$work/schema.json"
# Generated as is, with the generator's own configuration: no edits to the
# document or to the generated code. The custom templates call typing.cast
# through the typing module, so a model property named `cast` (a content's
# cast, SPEC §3) cannot shadow it (docs/decisions.md).
printf 'post_hooks: []\n' >"$work/client-config.yaml"
(cd "$work" && "$venv/bin/openapi-python-client" generate --path schema.json \
    --config client-config.yaml \
    --custom-template-path "$here/.ci/openapi-python-client/templates" \
    --output-path "$work/client" --meta none --overwrite)

status=0
PYTHONPATH="$work" MSTREAM_BASE="$base" MSTREAM_ADMIN_TOKEN="$token" \
    "$venv/bin/python" .ci/client_check.py || status=$?
if [[ $status -ne 0 ]]; then
    echo "client.sh: the generated client failed; server log follows" >&2
    server_log
    exit $status
fi

# 2. A TypeScript client: openapi-typescript's types of the same document
#    must type-check a small use of them (.ci/typescript/check.ts).
ts_tools="${TS_TOOLS:-$HOME/.cache/mstream-typescript}"
if [[ ! -x "$ts_tools/node_modules/.bin/tsc" || ! -x "$ts_tools/node_modules/.bin/openapi-typescript" ]]; then
    echo "client.sh: installing openapi-typescript and typescript into $ts_tools" >&2
    mkdir -p "$ts_tools"
    npm install --prefix "$ts_tools" --silent --no-audit --no-fund \
        openapi-typescript@7.13.0 typescript@5.9.3 >/dev/null
fi
mkdir -p "$work/ts"
"$ts_tools/node_modules/.bin/openapi-typescript" "$work/schema.json" -o "$work/ts/schema.d.ts"
cp .ci/typescript/check.ts "$work/ts/check.ts"
"$ts_tools/node_modules/.bin/tsc" --noEmit --strict --target es2020 \
    --moduleResolution node "$work/ts/check.ts"

curl -fsS "$base/metrics" -o "$work/metrics.txt"
if ! promtool check metrics <"$work/metrics.txt"; then
    echo "client.sh: promtool rejects /metrics" >&2
    exit 1
fi
echo "client.sh: generated Python client works, TypeScript types check; /metrics passes promtool ($(grep -vc '^#' "$work/metrics.txt") samples)"
