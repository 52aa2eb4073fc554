#!/usr/bin/env bash
# Installs what the console needs from Debian's packages when it is missing: PostgreSQL server binaries and the
# fonts of PDF reports, and with
# --browser what the tests need besides: Chromium for the browser tests, an SMTP server (aiosmtpd) for the
# notice e-mails, Node.js with npm for the OpenID provider the sign-in tests run against, and poppler's pdftoppm
# for pictures of the reports. The .NET 10 SDK must already be on the machine.
set -euo pipefail

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is not installed: install it first (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
  exit 1
fi

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
# The fonts PDF reports are drawn with: Latin (DejaVu Sans) and Chinese (WenQuanYi Micro Hei).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]; then
  need+=(fonts-dejavu-core)
fi
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  need+=(fonts-wqy-microhei)
fi
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if [ "$want_browser" = 1 ] && ! command -v pdftoppm >/dev/null 2>&1; then
  need+=(poppler-utils)
fi
if [ "$want_browser" = 1 ] && ! /usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  need+=(python3-aiosmtpd)
fi
if [ "$want_browser" = 1 ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  need+=(nodejs npm)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "Installing from Debian: ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ "$want_browser" = 1 ]; then
  # The certified OpenID provider (npm package oidc-provider, version pinned by the lock file) for the sign-in tests.
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  installed="$root/tests/oidc-provider/node_modules/.package-lock.json"
  if [ ! -f "$installed" ] || [ "$root/tests/oidc-provider/package-lock.json" -nt "$installed" ]; then
    echo "Installing the test OpenID provider from the npm registry" >&2
    npm ci --prefix "$root/tests/oidc-provider" --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi
