#!/usr/bin/env bash
# Sets up a fresh machine and runs the console: installs PostgreSQL where missing, builds, starts the local
# database, migrates it, seeds demo chat data on the first run, and serves the console (http://127.0.0.1:5080 unless
# told otherwise). Arguments go to './gov serve', e.g. ./run.sh --urls http://0.0.0.0:8080
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

scripts/setup-machine.sh
./gov db start
./gov db migrate
if [ ! -f .data/demo-seeded ]; then
  echo "First run: seeding demo chat data (change the size with ./gov demo seed --users N --messages M --replace)."
  ./gov demo seed --users 2000 --messages 200000
  touch .data/demo-seeded
fi

cat <<MSG

Starting the console; it prints the address it serves once it is up ("The console is serving at ...").
Sign in as 'admin'. On the very first start its password is printed below, once (or set GOV_ADMIN_PASSWORD
before that first start to choose it). More accounts: ./gov users add --user-name NAME --role PrivacyOfficer

MSG
exec ./gov serve "$@"
