#!/usr/bin/env bash
# clconv-bench's reports, peers, benchdnn problems and plots as a user meets
# them: the CSV has the documented columns, JSON parses, CSV on stdout holds
# nothing else, peers fill their columns (or say why not), and every bad
# peer, format, descriptor, batch line or plot input exits 2 with a message
# and leaves no file behind.
# Usage: bench_report.sh PATH/TO/clconv-bench
set -u
bench="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/    /' stderr.txt 2>/dev/null | head -8; }

# expect CODE NAME ARGS...: the exit code; a "clconv-bench: " message when it
# fails; no temporary file left behind.
expect() {
    local want="$1" name="$2"; shift 2
    "$bench" "$@" > stdout.txt 2> stderr.txt
    local got=$?
    if [ "$got" != "$want" ]; then bad "$name (exit $got, expected $want)"; return 1; fi
    if [ "$want" != 0 ] && ! grep -q "clconv-bench: " stderr.txt; then bad "$name (no message)"; return 1; fi
    if ls -a | grep -q '\.tmp-'; then bad "$name (temporary file left behind)"; return 1; fi
    ok "$name: $(head -c 150 stderr.txt | tr '\n' ' ')"
}

stable="suite,layer,requested,algorithm,params,median_ms,min_ms,gflops,effective,gbps,onednn_ms,clblast_ms,ratio_onednn,ratio_clblast,rel_err,status"
layers="smoke_3x3,smoke_g4,smoke_3d"

# ---- suite with peers, CSV ------------------------------------------------------
if expect 0 "suite with peers to CSV" suite --suite smoke --layers $layers --peers onednn,clblast --runs 2 --out r.csv; then
    head -1 r.csv | grep -q "^$stable," && ok "CSV starts with the stable columns" || bad "CSV header: $(head -1 r.csv)"
    [ "$(grep -c '^smoke,smoke_' r.csv)" = 3 ] && ok "CSV has a row per layer" || bad "CSV rows: $(wc -l < r.csv)"
    grep -q '^smoke,TOTAL,auto,.*,total,' r.csv && ok "CSV ends with the whole-suite TOTAL row" || bad "no TOTAL row"
    grep -q "whole suite" stdout.txt && ok "table shows the whole-suite time" || bad "no whole-suite line"
    grep -q "geometric mean" stdout.txt && ok "table ends with geometric means" || bad "no geometric means in the table"
    # CLBlast runs 2D layers and says why not for 3D.
    grep "^smoke,smoke_3x3," r.csv | awk -F, '$12 == "" { exit 1 }' && ok "clblast_ms filled on a 2D layer" || bad "clblast_ms empty on smoke_3x3"
    grep -q "CLBlast: .*3D" stdout.txt && ok "CLBlast says why it has no 3D route" || bad "no CLBlast 3D reason"
    if grep -q "onednn: oneDNN not found" stderr.txt; then
        ok "oneDNN not built in: said once ($(grep -c 'onednn' stderr.txt) line)"
    else
        grep "^smoke,smoke_3d," r.csv | awk -F, '$11 == "" || $13 == "" { exit 1 }' && ok "onednn_ms and ratio filled on a 3D layer" || bad "onednn column empty"
    fi
fi

# ---- JSON, CSV on stdout -----------------------------------------------------------
if expect 0 "suite to JSON" suite --suite smoke --layers smoke_3x3 --peers clblast --runs 1 --format json --out r.json; then
    if command -v /usr/bin/python3 >/dev/null; then
        /usr/bin/python3 -c 'import json,sys; d=json.load(open("r.json")); assert d["rows"][0]["layer"]=="smoke_3x3"; assert d["peers"][0]["name"]=="clblast"; assert "geomeans" in d' \
            && ok "JSON parses and holds rows, peers, geomeans" || bad "JSON does not parse"
    fi
fi
if expect 0 "CSV on stdout" suite --suite smoke --layers smoke_1x1 --runs 1 --format csv; then
    [ "$(wc -l < stdout.txt)" = 3 ] && head -1 stdout.txt | grep -q "^$stable," && ok "stdout holds only the CSV" || bad "stdout: $(head -3 stdout.txt)"
fi

# ---- a network suite: counts weigh the totals -----------------------------------------
if expect 0 "network suite with counts" suite --suite resnet50 --layers 'r50_l4*' --algo direct --runs 1 --no-check --format json --out n.json; then
    /usr/bin/python3 -c 'import json; d=json.load(open("n.json")); t=d["totals"][0]; assert t["convolutions"] > t["layers_ok"] > 0, t' 2>/dev/null \
        && ok "totals count each layer's occurrences" || bad "totals: $(head -c 300 n.json)"
fi
printf '#name\ttype\tn\tcin\tcout\tin_d\tin_h\tin_w\tk_d\tk_h\tk_w\ts_d\ts_h\ts_w\tp_d\tp_h\tp_w\tdil_d\tdil_h\tdil_w\tgroups\top_d\top_h\top_w\tcount\nx\tconv2d\t1\t4\t4\t1\t8\t8\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0\t0\n' > badcount.tsv
expect 2 "suite: count 0" suite --suite ./badcount.tsv

# ---- deformable layers (deform2d rows) ------------------------------------------------
if expect 0 "dcn suite checked, with peers" suite --suite dcn --check --runs 1 --peers all --out d.csv; then
    # (describe has commas inside quotes: read the CSV as CSV)
    /usr/bin/python3 -c 'import csv; r=[x for x in csv.DictReader(open("d.csv")) if x["layer"] != "TOTAL"]; assert len(r) >= 5 and all(x["status"] == "ok" and x["type"] == "deform2d" and x["rel_err"] and float(x["gflops"]) > 0 and x["clblast_note"] for x in r), r' 2>stderr.txt \
        && ok "every dcn row ok, checked, type deform2d, peer reason in the CSV" || bad "dcn rows in d.csv"
    grep -q "CLBlast: has no deformable convolution" stdout.txt && ok "CLBlast says it has no deformable convolution" || bad "no CLBlast reason"
    grep -q "summary: .* 0 failed; check: .* 0 above" stdout.txt && ok "dcn checked against clconv_reference_deform_conv" || bad "summary: $(grep summary stdout.txt)"
    grep -q '^dcn,TOTAL,auto,.*,total,' d.csv && ok "dcn CSV has its TOTAL row" || bad "no TOTAL row in d.csv"
fi
# An algorithm without a deformable form gets an "unsupported" row, which is not a failure.
expect 0 "deform layer with direct and gemm" suite --suite dcn --layers r50dcn2_c5_3x3_512to512_16 --algo direct,gemm --runs 1 &&
    { grep -q "gemm .*unsupported: .*deformable" stdout.txt && grep -q " direct .*offset groups 1, v2" stdout.txt \
        && ok "direct runs the deform layer, gemm is unsupported" || bad "rows: $(grep r50dcn2 stdout.txt | head -2)"; }
hdr='#name\ttype\tn\tcin\tcout\tin_d\tin_h\tin_w\tk_d\tk_h\tk_w\ts_d\ts_h\ts_w\tp_d\tp_h\tp_w\tdil_d\tdil_h\tdil_w\tgroups\top_d\top_h\top_w\tcount\toffset_groups\tmask\n'
printf "# offset_groups 3 does not divide cin 8\n$hdr"'c\tconv2d\t1\t8\t8\t1\t8\t8\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0\t1\t0\t0\nd\tdeform2d\t1\t8\t8\t1\t8\t8\t1\t3\t3\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\t0\t0\t0\t1\t3\t1\n' > baddcn.tsv
expect 2 "suite: deform row with offset_groups not dividing cin" suite --suite ./baddcn.tsv &&
    { grep -q "baddcn.tsv:4: .*offset_groups" stderr.txt && ok "bad deform row gives its line number" || bad "no line number: $(cat stderr.txt)"; }

# ---- bad options --------------------------------------------------------------------
expect 2 "unknown peer" suite --suite smoke --peers onednn,mkl
expect 2 "peer listed twice" suite --suite smoke --peers clblast,clblast
expect 2 "unknown format" suite --suite smoke --format xml
mkdir adir
expect 2 "--out is a directory" suite --suite smoke --out adir
expect 2 "--runs 0" suite --suite smoke --runs 0

# ---- benchdnn problems ---------------------------------------------------------------
expect 0 "problem: one descriptor" problem 'mb1ic8ih10oc8oh10kh3ph1n"tiny"' --runs 1 &&
    { grep -q "^tiny " stdout.txt && ok "problem runs and names the layer" || bad "problem output: $(head -3 stdout.txt)"; }
expect 0 "problem: deconv with --mb" problem --deconv --mb 1 'ic8ih5oc4oh10kh4sh2ph1' --runs 1
expect 2 "problem: bad descriptor" problem 'mb1ic8ih10oc8oh10kh3ph1zz3'
expect 2 "problem: kernel larger than the input" problem 'mb1ic8ih2oc8kh5'
expect 2 "problem: nothing to run" problem --runs 1
expect 2 "problem: --mb 0" problem --mb 0 'ic8ih10oc8oh10kh3ph1'
printf '# a batch file\n--dir=FWD_B\nmb1ic4ih6oc4oh6kh3ph1n"a"\n\nmb1ic4ih6oc4oh6kh3ph1_bogus\n' > bad.txt
expect 2 "problem: bad batch line" problem --batch bad.txt &&
    { grep -q "bad.txt:5" stderr.txt && ok "bad batch line gives its line number" || bad "no line number"; }
printf '# a batch file\n--dir=FWD_B\nmb1ic4ih6oc4oh6kh3ph1n"a"\nmb1ic4ih6oc4oh6kh1n"b"\n' > good.txt
expect 0 "problem: batch with an ignored option line" problem --batch good.txt --runs 1 &&
    { grep -q "ignoring.*--dir=FWD_B" stderr.txt && ok "option line reported" || bad "option line not reported"; }
expect 2 "problem: missing batch file" problem --batch nope.txt

# ---- plot -------------------------------------------------------------------------------
if command -v gnuplot >/dev/null && [ -s r.csv ]; then
    expect 0 "plot" plot r.csv --out r.png &&
        { head -c 4 r.png | grep -q PNG && ok "plot wrote a PNG" || bad "r.png is not a PNG"; }
else
    echo "SKIP plot (gnuplot not installed)"
fi
printf 'a,b\n1,2\n' > notours.csv
expect 2 "plot: not a clconv-bench CSV" plot notours.csv --out x.png
expect 2 "plot: missing CSV" plot nope.csv --out x.png
expect 2 "plot: no --out" plot r.csv
[ ! -e x.png ] && ok "no plot left behind" || bad "x.png left behind"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
