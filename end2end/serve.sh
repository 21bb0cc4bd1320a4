#!/usr/bin/env bash
# The server Playwright drives: the release build on a fresh demo database.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p end2end/.tmp
rm -f end2end/.tmp/e2e.db end2end/.tmp/e2e.db-wal end2end/.tmp/e2e.db-shm
export ASAP_DATABASE_URL="sqlite://end2end/.tmp/e2e.db"
export LEPTOS_SITE_ROOT=target/site
# The log is on standard error, which Playwright shows: warnings and errors only.
export RUST_LOG="${RUST_LOG:-warn}"
export LEPTOS_SITE_ADDR=127.0.0.1:3100
export ASAP_API_KEYS=e2e-developer/e2e-customer
export ASAP_RATE_LIMIT=0
# Every text of an opening in one wave, so tests need not wait out the gaps between waves.
export ASAP_WAVE_SIZE=10
# The iframe tests' office portal is a page on another loopback port; it signs embed tokens.
export ASAP_EMBED_SECRET=e2e-embed-secret
export ASAP_FRAME_ANCESTORS="'self' http://127.0.0.1:*"
target/release/server demo
exec target/release/server serve
