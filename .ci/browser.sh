#!/usr/bin/env bash
# Browser tests of the admin panel: headless Chromium over WebDriver.
# Installs Debian's chromium and chromium-driver when missing, then runs
# the `browser` test binary. Screenshots land in
# ${CARGO_TARGET_DIR:-target}/browser-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y chromium chromium-driver
fi

# The tests are #[ignore]d so that `cargo test` without a browser does not
# count them as passed; here the browser is present, so run them.
cargo test -p mstream --test browser -- --ignored "$@"
