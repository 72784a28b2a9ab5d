#!/usr/bin/env bash
# Property-based API tests with schemathesis, driven by the server's own
# OpenAPI document (/api/schema/): every documented operation gets
# generated requests; a 5xx or a response that does not match the document
# fails the run.
#
# Starts the mstream binary (.ci/lib/serve.sh) and runs schemathesis with an
# admin's token. Excluded: sign-out and
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
# shellcheck source=lib/serve.sh
source .ci/lib/serve.sh

max_examples="${ST_MAX_EXAMPLES:-50}"
max_time="${ST_MAX_TIME:-240}"
venv="${ST_VENV:-$HOME/.cache/mstream-schemathesis}"
# Pinned: a fresh machine must fuzz with the versions this script was
# checked with, not whatever PyPI has that day.
python_tool "$venv" schemathesis schemathesis==4.32.5 hypothesis==6.170.17

# One worker: with two, hypothesis parses lambdas' source from two threads at
# once, and CPython 3.11's AST constructor keeps its recursion counter per
# interpreter, not per thread, so it fails now and then with "AST constructor
# recursion depth mismatch" (python/cpython#106905), a runtime error that
# fails the run without any fault of the server's.
start_mstream

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
    --workers 1 \
    --report junit --report-dir "${ST_REPORT_DIR:-$work/report}" || status=$?

if [[ $status -ne 0 ]]; then
    echo "schemathesis.sh: failures; server log follows" >&2
    server_log
fi
exit $status
