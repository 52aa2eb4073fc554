#!/usr/bin/env bash
# Installs what the console needs from Debian's packages when it is missing: PostgreSQL server binaries, and with
# --browser what the tests need besides: Chromium for the browser tests and an SMTP server (aiosmtpd) for the
# notice e-mails. The .NET 10 SDK must already be on the machine.
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
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium fonts-dejavu-core)
fi
if [ "$want_browser" = 1 ] && ! /usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  need+=(python3-aiosmtpd)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "Installing from Debian: ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
