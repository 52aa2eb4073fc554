#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: installs PostgreSQL and Chromium where missing, restores and
# builds, starts a throwaway PostgreSQL cluster on a free port, runs the tests, and removes the cluster.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

scripts/setup-machine.sh --browser

echo "== restore and build"
dotnet build Governance.sln -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary"
touch src/Governance.Web/bin/Release/net10.0/Governance.Web.dll

echo "== throwaway PostgreSQL cluster"
work="$(mktemp -d /tmp/gov-test-XXXXXX)"
chmod 755 "$work"
cleanup() {
  ./gov db stop --data-dir "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
out="$(./gov db start --data-dir "$work/pg" --no-fsync)"
echo "$out"
port="$(printf '%s\n' "$out" | sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' | head -n1)"
[ -n "$port" ] || { echo "error: could not read the test cluster's port" >&2; exit 1; }
# The cluster asks every role for its password; the superuser's was generated into an owner-only file beside it.
password="$(cat "$work/pg.secrets/postgres")"
export GOV_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
export GOV_TEST_WORK="$work"
# Pictures of the reports (PNG of their first pages) are kept after the run, to look at.
export GOV_TEST_ARTIFACTS="$root/TestResults/artifacts"
mkdir -p "$GOV_TEST_ARTIFACTS"
rm -f "$GOV_TEST_ARTIFACTS/server-errors.log"

echo "== tests"
# One assembly after the other: the browser tests do not compete with the database tests for the two cores.
status=0
for project in tests/Governance.Core.Tests tests/Governance.Web.Tests; do
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee -a "$work/test.log" || status=$?
done

passed=$(sed -n 's/.*Passed: *\([0-9][0-9]*\).*/\1/p' "$work/test.log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/.*Failed: *\([0-9][0-9]*\),.*/\1/p' "$work/test.log" | awk '{s+=$1} END {print s+0}')
# What the console under test logged as errors, to explain a failure after the run (the whole file stays in the artifacts).
if [ "$status" -ne 0 ] && [ -s "$GOV_TEST_ARTIFACTS/server-errors.log" ]; then
  echo "== the last errors the console logged during the tests"
  tail -n 60 "$GOV_TEST_ARTIFACTS/server-errors.log"
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
