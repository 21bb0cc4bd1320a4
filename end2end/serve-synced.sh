#!/usr/bin/env bash
# A second server for the Open Dental tests: its book comes from the fake Open Dental (the tests'
# fake as a program, holding the example office), read every 5 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p end2end/.tmp
rm -f end2end/.tmp/e2e-synced.db end2end/.tmp/e2e-synced.db-wal end2end/.tmp/e2e-synced.db-shm
export ASAP_TIMEZONE="${ASAP_TIMEZONE:-UTC}"
target/release/examples/fake_opendental 3201 3202 server/tests/fixtures/example-office.json "$ASAP_TIMEZONE" &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
export ASAP_DATABASE_URL="sqlite://end2end/.tmp/e2e-synced.db"
export LEPTOS_SITE_ROOT=target/site
# The log is on standard error, which Playwright shows: warnings and errors only.
export RUST_LOG="${RUST_LOG:-warn}"
export LEPTOS_SITE_ADDR=127.0.0.1:3200
export ASAP_API_KEYS=e2e-developer/e2e-customer
export ASAP_RATE_LIMIT=0
export ASAP_OPENDENTAL_URL=http://127.0.0.1:3201/api/v1
export ASAP_OPENDENTAL_KEY=fake-dev/fake-customer
export ASAP_OPENDENTAL_SYNC_SECONDS=5
echo 'synced-e2e-password' | target/release/server user add dana --admin --display-name "Dana (front desk)" >/dev/null
target/release/server serve
