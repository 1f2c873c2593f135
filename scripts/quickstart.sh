#!/usr/bin/env bash
# Builds the provider and clouddb-sim, installs the provider into a local filesystem mirror,
# starts the sim, and runs terraform init, plan and apply on examples/quickstart against it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

terraform="$CLOUDDB_TERRAFORM"
if [ -z "$terraform" ]; then
  echo "quickstart: no terraform on PATH; using Terraform 1.0.3 from $CLOUDDB_TERRAFORM_OLDEST"
  terraform="$CLOUDDB_TERRAFORM_OLDEST"
fi

cargo build --release --locked -p terraform-provider-clouddb -p clouddb-sim

version="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) fail "unsupported machine $(uname -m)" ;;
esac
mirror="$tools/mirror"
plugin_dir="$mirror/registry.terraform.io/clouddb/clouddb/$version/linux_$arch"
mkdir -p "$plugin_dir"
# Copy then rename, so a provider process still running from an earlier copy does not block it.
cp target/release/terraform-provider-clouddb "$plugin_dir/.provider.tmp"
mv -f "$plugin_dir/.provider.tmp" "$plugin_dir/terraform-provider-clouddb_v$version"

work="$tools/quickstart"
rm -rf "$work" && mkdir -p "$work"
cp examples/quickstart/*.tf "$work/"
cat > "$work/mirror.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["clouddb/clouddb"]
  }
  direct {
    exclude = ["clouddb/clouddb"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$work/mirror.tfrc"
export CHECKPOINT_DISABLE=1

sim_log="$work/clouddb-sim.log"
target/release/clouddb-sim --listen 127.0.0.1:0 > "$work/sim.out" 2> "$sim_log" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break
  sleep 0.1
done
sim_url="$(sed -n '/^listening on /{s///p;q}' "$work/sim.out")"
[ -n "$sim_url" ] || fail "clouddb-sim did not start; see $sim_log"
echo "quickstart: clouddb-sim is serving at $sim_url"

# The built-in fixture's credentials; a real cloud needs your own.
export ALICLOUD_ACCESS_KEY=LTAIsim ALICLOUD_SECRET_KEY=sim-secret CLOUDDB_ALICLOUD_ENDPOINT="$sim_url"
export TENCENTCLOUD_SECRET_ID=AKIDsim TENCENTCLOUD_SECRET_KEY=sim-secret CLOUDDB_TENCENTCLOUD_ENDPOINT="$sim_url"

cd "$work"
"$terraform" init -input=false -no-color
"$terraform" plan -input=false -no-color
"$terraform" apply -input=false -auto-approve -no-color
echo
echo "quickstart: the sim's state after apply ($sim_url/_sim/state):"
curl -fsS "$sim_url/_sim/state" | python3 -m json.tool
echo
