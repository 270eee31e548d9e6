#!/usr/bin/env bash
# clconv-bench tune end to end on two smoke layers: it writes a database,
# `suite` then runs AUTO from it ("choice: database"), and bad options exit 2.
# Usage: bench_tune.sh PATH/TO/clconv-bench
set -u
bench="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
db="$tmp/tuning.txt"
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

out="$("$bench" tune --suite smoke --layers smoke_3x3_odd,smoke_1x1 --algo direct,winograd_f2x2 \
        --budget 30 --runs 2 --db "$db" 2>"$tmp/err")"; rc=$?
echo "$out"
[ $rc -eq 0 ] && ok || { bad "tune exited $rc"; cat "$tmp/err"; }
[ "$(head -1 "$db" 2>/dev/null)" = "# clconv tuning database 1" ] && ok || bad "no database header in $db"
n=$(grep -c $'\t' "$db" 2>/dev/null); [ "${n:-0}" -eq 3 ] && ok || bad "database has ${n:-0} entries, want 3 (two layers direct, one winograd)"
echo "$out" | grep -q "pairs tuned, 0 failed" && ok || bad "tune summary line missing"

out="$(CLCONV_TUNING_DB="$db" "$bench" suite --suite smoke --layers smoke_3x3_odd,smoke_1x1 --reps 1 2>&1)"; rc=$?
[ $rc -eq 0 ] && ok || bad "suite from the database exited $rc"
n=$(echo "$out" | grep -c "choice: database"); [ "$n" -eq 2 ] && ok || { bad "AUTO used the database on $n of 2 layers"; echo "$out"; }

"$bench" tune --algo auto --db "$db" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "tune --algo auto should exit 2"
"$bench" tune --budget -1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "tune --budget -1 should exit 2"
"$bench" tune --layers nosuch --db "$db" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "tune --layers nosuch should exit 2"
CLCONV_PARAMS=nosuch=1 "$bench" tune --suite smoke --layers smoke_1x1 --db "$db" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] && grep -q nosuch "$tmp/err" && ok || bad "a bad CLCONV_PARAMS should fail naming it (rc $rc)"

echo "bench_tune: $pass passed, $fail failed"
[ $fail -eq 0 ]
