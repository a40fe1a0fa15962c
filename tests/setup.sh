#!/usr/bin/env bash
# What the tests need, in one place: `make test` (through `make test-deps`) and `make lint`
# call this. Each step checks first and returns at once when its part is already there, so a
# warm run spends a second or two here; a cold one installs:
#   - Debian packages: chromium, nodejs + npm, postgresql, gcc, oathtool, zbar-tools,
#     poppler-utils, python3-venv (as root with apt-get; otherwise one line saying what to run);
#   - PostgreSQL started when it is installed but not answering on 127.0.0.1:5432;
#   - the Rust components clippy and rustfmt;
#   - a Python virtualenv with moto[server] (S3, SNS), aiosmtpd (the SMTP sink) and
#     fhir.resources (checks our FHIR fixtures and what the connector sends) in
#     $TEST_VENV (default /var/tmp/careportal-venv: outside the clone, so a fresh clone on
#     the same machine reuses it);
#   - a second virtualenv with kubernetes-validate and checkov, which check infra/ (kept
#     apart: checkov pins boto3 and friends differently from moto), in $INFRA_VENV (default
#     /var/tmp/careportal-infra-venv);
#   - the npm packages of every test folder with a package-lock.json (npm ci, again only
#     when the lock file changed).
# Usage: tests/setup.sh [rust|all]   (rust: only the Rust components, for `make lint`)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${TEST_VENV:-/var/tmp/careportal-venv}"
infra_venv="${INFRA_VENV:-/var/tmp/careportal-infra-venv}"
export DEBIAN_FRONTEND=noninteractive

say() { printf '== setup: %s\n' "$*"; }

rust_components() {
    local installed
    installed="$(rustup component list --installed 2>/dev/null || true)"
    grep -q '^clippy' <<<"$installed" || { say "rustup component add clippy"; rustup component add clippy; }
    grep -q '^rustfmt' <<<"$installed" || { say "rustup component add rustfmt"; rustup component add rustfmt; }
}

system_packages() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM_PATH:-/nonexistent}" ] || missing+=(chromium)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    command -v pg_ctlcluster >/dev/null 2>&1 || command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql)
    command -v cc >/dev/null 2>&1 || missing+=(gcc)
    command -v oathtool >/dev/null 2>&1 || missing+=(oathtool)
    command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    ((${#missing[@]})) || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "The tests need Debian packages that are missing; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    say "apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

postgres() {
    # A server named by TEST_POSTGRES_URL is the caller's to run.
    [ -z "${TEST_POSTGRES_URL:-}" ] || return 0
    pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && return 0
    local cluster
    cluster="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$cluster" ]; then
        echo "PostgreSQL is not running on 127.0.0.1:5432 and no cluster is installed (apt-get install postgresql)" >&2
        exit 1
    fi
    say "starting PostgreSQL $cluster"
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
    echo "PostgreSQL $cluster did not start answering on 127.0.0.1:5432" >&2
    exit 1
}

python_services() {
    if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c 'import aiosmtpd, moto, fhir.resources.R4B' >/dev/null 2>&1; then
        return 0
    fi
    say "virtualenv $venv with moto[server], aiosmtpd and fhir.resources"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]' aiosmtpd 'fhir.resources>=8,<9'
}

infra_tools() {
    local wanted=(kubernetes-validate==1.37.0 checkov==3.3.30)
    if [ -x "$infra_venv/bin/checkov" ] && [ -x "$infra_venv/bin/kubernetes-validate" ] \
        && "$infra_venv/bin/pip" freeze 2>/dev/null | grep -qx 'checkov==3.3.30'; then
        return 0
    fi
    say "virtualenv $infra_venv with ${wanted[*]}"
    [ -x "$infra_venv/bin/python" ] || python3 -m venv "$infra_venv"
    "$infra_venv/bin/pip" install -q --disable-pip-version-check "${wanted[@]}"
}

npm_packages() {
    local lock dir stamp sum
    for lock in tests/*/package-lock.json; do
        [ -e "$lock" ] || continue
        dir="$(dirname "$lock")"
        stamp="$dir/node_modules/.careportal-lock.sha256"
        sum="$(sha256sum "$lock" | cut -d' ' -f1)"
        [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ] && continue
        say "npm ci in $dir"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
        echo "$sum" >"$stamp"
    done
}

case "${1:-all}" in
    rust) rust_components ;;
    all)
        system_packages
        postgres
        rust_components
        python_services
        infra_tools
        npm_packages
        ;;
    *) echo "usage: tests/setup.sh [rust|all]" >&2; exit 2 ;;
esac
