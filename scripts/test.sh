#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, protocol and
# end-to-end tests with real Terraform 1.11.4 and 1.0.3 against clouddb-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

[ -n "$CLOUDDB_TERRAFORM" ] || fail "Terraform 1.11.4 must be on PATH for the tests (the development and CI machines have it at /usr/local/bin/terraform)"
"$CLOUDDB_TERRAFORM" version | grep -q 'v1.11.4' || fail "$CLOUDDB_TERRAFORM is not Terraform 1.11.4"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
