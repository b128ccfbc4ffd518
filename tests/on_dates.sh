#!/usr/bin/env bash
# `make test-dates`: the suite as it runs on other days. Every process of the run (pytest, the
# Prefect servers, `rectiflow up`, Chromium) sees its clock moved to 10:00 Asia/Shanghai of each
# date, and running on from there, through libfaketime (Debian's faketime). A relative offset,
# not a fixed date: every process, whenever it starts, agrees on the time, and it runs on, so
# waits and timeouts behave. (Monotonic clocks move by the same offset: keeping them real makes
# libfaketime 0.9.10 fail Python's time.sleep with EINVAL.)
#   bash tests/on_dates.sh 2027-01-04 2028-02-29        (default: the dates below)
#   PYTEST_ARGS="tests/models" bash tests/on_dates.sh 2027-12-31
set -uo pipefail
cd "$(dirname "$0")/.."
LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$LIB" ] || { echo "libfaketime not found: apt-get install faketime" >&2; exit 2; }
dates=("$@")
[ ${#dates[@]} -gt 0 ] || dates=(2026-12-07 2027-01-04 2027-02-10 2027-12-31 2028-02-29)
# What the machine's own PostgreSQL stamps (now(), a server this run cannot move) would disagree
# with the moved clock of Prefect's self-hosted topology: those drills run on the real day only
# (the README says why). Everything else runs on every date.
DESELECT=(--deselect tests/topology/test_drills.py)
# The ledger tests also run on PostgreSQL when it answers, as in CI (.ci/run): the ledger takes
# every time from the application, none from the database's now().
if [ -z "${RECTIFLOW_TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  export RECTIFLOW_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi
mkdir -p test-artifacts
status=0
summary=()
for day in "${dates[@]}"; do
  offset=$(( $(date -d "$day 10:00:00 +0800" +%s) - $(date +%s) ))
  echo "=== $day (clock moved by ${offset} s) ==="
  start=$(date +%s)
  sign=$([ "$offset" -ge 0 ] && echo "+")
  LD_PRELOAD="$LIB" FAKETIME="${sign}${offset}" FAKETIME_DONT_RESET=1 \
    .venv/bin/pytest -q -n 2 --dist loadfile -p no:cacheprovider "${DESELECT[@]}" ${PYTEST_ARGS:-} \
    > "test-artifacts/dates-$day.log" 2>&1
  code=$?
  tail -n 15 "test-artifacts/dates-$day.log"  # the whole output stays in test-artifacts/
  summary+=("$day: exit $code in $(( $(date +%s) - start )) s")
  [ "$code" -eq 0 ] || status=1
done
printf '%s\n' "${summary[@]}"
exit $status
