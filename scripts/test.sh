#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, protocol and
# end-to-end tests with real Terraform 1.11.4 and 1.0.3 against clouddb-sim (in memory, and on
# a real MariaDB server the run starts), and the conformance suite that drives clouddb-sim with
# the vendors' official Python SDKs.
set -euo pipefail
cd "$(dirname "$0")/.."
CLOUDDB_REQUIRE_TERRAFORM=1.11.4
CLOUDDB_NEED_SDKS=1
source scripts/setup.sh
source scripts/databases.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Each fuzz target of tests/fuzz.rs runs this long (four targets, two at a time: about a minute).
export CLOUDDB_FUZZ_SECONDS=15
log="$tools/test-output.log"
cargo test --workspace --locked 2>&1 | tee "$log"

# The conformance suite: clouddb-sim driven by the vendors' official Python SDKs, every action
# with every signature and HTTP method they offer. It fails the run when any call is answered
# otherwise than the cloud would answer it.
cargo build --locked -p clouddb-sim
"$CLOUDDB_SDK_PYTHON" sim/tests/sdk/probe.py --sim target/debug/clouddb-sim \
  --sim-log "$tools/sdk-probe-sim.log" --out "$tools/sdk-probe.json" | tee "$tools/sdk-probe.log"

# cargo ends on the doc-test summary of the last crate; close with the totals of every test binary.
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
echo "SDK conformance: $(tail -n 1 "$tools/sdk-probe.log")"
