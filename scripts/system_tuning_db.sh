#!/usr/bin/env bash
# Turns a user tuning database written by `clconv-bench tune` into a system
# tuning database file for tuning/ (see tuning/README.md).
# Usage: scripts/system_tuning_db.sh USER_DB "MATCH WORDS" "MEASURED ON" > tuning/NAME.tsv
set -euo pipefail
db="$1"; match="$2"; what="$3"
[ "$(head -1 "$db")" = "# clconv tuning database 1" ] || { echo "$db: not a clconv tuning database" >&2; exit 2; }
echo "# clconv system tuning database"
echo "# match: $match"
echo "# measured: $what"
sed -n '2s/^# device: /# device of the measurement: /p' "$db"
grep -v '^#' "$db" | LC_ALL=C sort
