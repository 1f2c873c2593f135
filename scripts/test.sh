#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, protocol and
# end-to-end tests with real Terraform 1.11.4 and 1.0.3 against clouddb-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
CLOUDDB_REQUIRE_TERRAFORM=1.11.4
source scripts/setup.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
log="$tools/test-output.log"
cargo test --workspace --locked 2>&1 | tee "$log"

# cargo ends on the doc-test summary of the last crate; close with the totals of every test binary.
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
