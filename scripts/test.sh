#!/usr/bin/env bash
# `npm test`: provisions what the tests need (the Temporal CLI and a PostgreSQL server), then
# runs vitest. Arguments go to vitest, e.g. `npm test -- test/config.test.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."

npx --no-install tsx scripts/provision-temporal.ts >&2
DATABASE_URL=$(bash scripts/ensure-postgres.sh)
export DATABASE_URL
exec npx --no-install vitest run "$@"
