#!/usr/bin/env bash
# Installs every Debian package that imuse-admin's build, tests, quick start
# and benchmarks need (Debian 12 "bookworm"). Debian packages only.
#
# Idempotent and fast: when every package is already installed it touches
# neither apt nor the network. Runs as root, or through sudo for another user.
# Non-interactive, so it also runs in CI (no stdin).
#
# Usage: scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config git
  # libraries the program links against (headers + pkg-config/cmake files)
  libcli11-dev          # command-line parsing
  libpqxx-dev libpq-dev # PostgreSQL client
  libcurl4-openssl-dev ca-certificates # HTTP(S) and SMTP client, CA roots
  libpodofo-dev         # PDF generation
  zlib1g-dev            # PDF stream compression (core/pdf)
  libyaml-cpp-dev       # configuration files
  libspdlog-dev libfmt-dev # logging and formatting
  libsodium-dev         # password hashing, secrets
  libxml2-dev           # XML exports
  nlohmann-json3-dev    # JSON (--json output, imports)
  libcsv-dev            # CSV parsing (imports)
  libkainjow-mustache-dev # mail templates (mustache)
  fonts-dejavu-core     # font embedded in generated PDFs
  # unit tests
  catch2
  # private PostgreSQL cluster for tests and the quick start (scripts/pg.sh)
  postgresql postgresql-client
  procps                # pgrep/pkill, ps
  util-linux            # runuser (pg.sh as root), flock
  iproute2              # ss
  # integration tests
  python3               # also picks free TCP ports in pg.sh
  python3-aiosmtpd      # test SMTP listener
  openssl               # self-signed certificate of the test SMTP listener (STARTTLS)
  php-cli               # password_verify() check of the stored argon2id hashes
  poppler-utils         # pdftotext, pdftoppm: checks generated PDFs
  qpdf                  # qpdf --check: structure of generated PDFs
  libxml2-utils         # xmllint: checks XML exports
  jq                    # parses --json output
  # benchmarks
  hyperfine
  python3-reportlab     # scripts/bench-pdf.sh baseline (same invoice with ReportLab)
  wkhtmltopdf           # scripts/bench-pdf.sh baseline (HTML engine), on a sample
  time                  # GNU time: peak RSS (%M) in scripts/bench-import.sh
  postfix               # smtp-sink and smtp-source (scripts/bench-mail.sh); no service is started
)

# Names of the listed packages that are fully installed, in one dpkg-query
# call (it complains about unknown names on stderr and exits 1: ignore that).
installed_now() {
  dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
    awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' || true
}

missing_from() {
  local -A have=()
  local pkg
  while read -r pkg; do have[$pkg]=1; done < <(installed_now "$@")
  for pkg in "$@"; do
    [[ -n ${have[$pkg]:-} ]] || printf '%s\n' "$pkg"
  done
}

mapfile -t missing < <(missing_from "${PACKAGES[@]}")

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing: ${missing[*]}"

as_root=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: not root and sudo is not installed; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  # Without a terminal sudo cannot ask for a password: require that it does
  # not need one rather than hang or fail obscurely.
  if ! sudo -n true 2>/dev/null && ! [[ -t 0 ]]; then
    echo "install-deps: not root and sudo needs a password but there is no terminal; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi

apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q
  -o DPkg::Lock::Timeout=300)

"${apt_get[@]}" update
"${apt_get[@]}" install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"

mapfile -t still_missing < <(missing_from "${missing[@]}")
if ((${#still_missing[@]} > 0)); then
  echo "install-deps: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${#missing[@]} packages"
