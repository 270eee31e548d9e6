#!/usr/bin/env bash
# clconv-bench as a new user meets it: good runs, then bad files and bad
# problems.  Each bad case must exit with its documented code (2 invalid
# problem or file, 3 algorithm cannot do it), print a message, and leave no
# output file behind (and an existing one untouched).
# Usage: bench_cli.sh PATH/TO/clconv-bench
set -u
bench="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0; fail=0

# mknpy FILE DESCR SHAPE COUNT: a .npy v1.0 file of COUNT values (perl packs them).
mknpy() {
    local hdr="{'descr': '$2', 'fortran_order': False, 'shape': ($3), }"
    local total=$(( (10 + ${#hdr} + 1 + 63) / 64 * 64 ))
    local pad=$(( total - 10 - ${#hdr} - 1 ))
    local hlen=$(( total - 10 ))
    {
        printf '\x93NUMPY\x01\x00'
        printf "\\x$(printf %02x $((hlen & 255)))\\x$(printf %02x $((hlen >> 8)))"
        printf '%s' "$hdr"; printf '%*s' "$pad" ''; printf '\n'
        if [ "$2" = "<f8" ]; then perl -e "print pack('d<*', map { sin(\$_) } 1..$4)"
        else perl -e "print pack('f<*', map { sin(\$_ * 0.7) } 1..$4)"; fi
    } > "$1"
}

# expect CODE NAME ARGS...: runs the bench, checks the exit code, a message on
# failure, and that out.npy is absent (or unchanged when it pre-existed).
expect() {
    local want="$1" name="$2"; shift 2
    rm -f out.npy
    [ -n "${KEEP_OUT:-}" ] && printf 'previous' > out.npy
    "$bench" "$@" > stdout.txt 2> stderr.txt
    local got=$?
    local ok=1
    [ "$got" = "$want" ] || { ok=0; echo "  exit $got, expected $want"; }
    if [ "$want" != 0 ]; then
        grep -q "clconv-bench: " stderr.txt || { ok=0; echo "  no message on stderr"; }
        if [ -n "${KEEP_OUT:-}" ]; then
            [ "$(cat out.npy 2>/dev/null)" = previous ] || { ok=0; echo "  existing output changed"; }
        else
            [ ! -e out.npy ] || { ok=0; echo "  output file left behind"; }
        fi
        ls | grep -q '\.tmp' && { ok=0; echo "  temporary file left behind"; }
    else
        [ -s out.npy ] || { ok=0; echo "  no output written"; }
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); echo "PASS $name: $(head -c 160 stderr.txt | tr '\n' ' ')"
    else fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/    /' stderr.txt | head -5; fi
}

mknpy x.npy '<f4' '1, 3, 8, 8' 192
mknpy w.npy '<f4' '4, 3, 3, 3' 108
mknpy b.npy '<f4' '4,' 4
mknpy w4.npy '<f4' '4, 4, 3, 3' 144
mknpy w5.npy '<f4' '4, 3, 5, 5' 300
mknpy w9.npy '<f4' '4, 3, 9, 9' 972
mknpy x8.npy '<f8' '1, 3, 8, 8' 192
mknpy wt.npy '<f4' '3, 2, 3, 3' 54
mknpy d.npy '<f4' '1, 8, 2, 3' 48
head -c 100 x.npy > trunc_header.npy
head -c 500 x.npy > trunc_data.npy
head -c 1000 /dev/urandom > garbage.npy
{ head -c 128 x.npy; head -c 900 /dev/urandom; } > garbled_data_len.npy
sed 's/<f4/<i4/' x.npy > int.npy

run=(run --output out.npy)
expect 0 "conv with bias, relu, --check" "${run[@]}" --input x.npy --weights w.npy --bias b.npy --pads 1,1,1,1 --activation relu --check
expect 0 "transposed stride 2" "${run[@]}" --input x.npy --weights wt.npy --transposed --strides 2,2 --output-padding 1,1 --check
expect 0 "depth_to_space" run --op depth_to_space --blocksize 2 --input d.npy --output out.npy
expect 2 "truncated header" "${run[@]}" --input trunc_header.npy --weights w.npy
expect 2 "truncated data" "${run[@]}" --input trunc_data.npy --weights w.npy
expect 2 "garbage file" "${run[@]}" --input garbage.npy --weights w.npy
expect 2 "data size does not match shape" "${run[@]}" --input garbled_data_len.npy --weights w.npy
expect 2 "float64 dtype" "${run[@]}" --input x8.npy --weights w.npy
expect 2 "int32 dtype" "${run[@]}" --input int.npy --weights w.npy
expect 2 "missing file" "${run[@]}" --input nope.npy --weights w.npy
expect 2 "channels do not match" "${run[@]}" --input x.npy --weights w4.npy
expect 2 "negative pads" "${run[@]}" --input x.npy --weights w.npy --pads -1,0,0,0
expect 2 "zero strides" "${run[@]}" --input x.npy --weights w.npy --strides 0,1
expect 2 "groups do not divide channels" "${run[@]}" --input x.npy --weights w.npy --group 2
expect 2 "kernel larger than padded input" "${run[@]}" --input x.npy --weights w9.npy
expect 2 "bias of the wrong length" "${run[@]}" --input x.npy --weights w.npy --bias x.npy
expect 2 "pads of the wrong length" "${run[@]}" --input x.npy --weights w.npy --pads 1,1
expect 2 "output_padding >= stride" "${run[@]}" --input x.npy --weights wt.npy --transposed --strides 2,2 --output-padding 2,2
expect 2 "unknown activation" "${run[@]}" --input x.npy --weights w.npy --activation swish
expect 2 "depth_to_space channels not divisible" run --op depth_to_space --blocksize 3 --input d.npy --output out.npy
expect 3 "winograd on a 5x5 kernel" "${run[@]}" --input x.npy --weights w5.npy --algo winograd_f2x2
expect 3 "depthwise on a dense conv" "${run[@]}" --input x.npy --weights w.npy --algo depthwise
KEEP_OUT=1 expect 2 "existing output kept on error" "${run[@]}" --input garbage.npy --weights w.npy
KEEP_OUT=1 expect 3 "existing output kept on unsupported" "${run[@]}" --input x.npy --weights w5.npy --algo winograd_f4x4

# --output never replaces a device, FIFO or directory, nor one of the inputs.
# expect_refused NAME FILE ARGS...: exit 2, a message, FILE unchanged.
expect_refused() {
    local name="$1" file="$2"; shift 2
    # type, mode, size, inode, and content for a regular file (never read a FIFO)
    sig() { stat -c '%F %a %s %i' "$1"; [ -f "$1" ] && cksum < "$1"; }
    local before; before="$(sig "$file")"
    "$bench" "$@" > stdout.txt 2> stderr.txt; local got=$?
    local after; after="$(sig "$file")"
    if [ $got = 2 ] && grep -q "clconv-bench: " stderr.txt && [ "$before" = "$after" ]; then
        pass=$((pass + 1)); echo "PASS $name: $(head -c 160 stderr.txt)"
    else
        fail=$((fail + 1)); echo "FAIL $name (exit $got; before '$before' after '$after')"; cat stderr.txt
    fi
}
mkfifo fifo.npy; mkdir dir.npy
expect_refused "output is a FIFO" fifo.npy run --input x.npy --weights w.npy --output fifo.npy
expect_refused "output is a directory" dir.npy run --input x.npy --weights w.npy --output dir.npy
if [ -c /dev/null ]; then
    expect_refused "output is /dev/null (a character device)" /dev/null run --input x.npy --weights w.npy --output /dev/null
fi
cp x.npy xin.npy; ln -s xin.npy xlink.npy
expect_refused "output is the input" xin.npy run --input xin.npy --weights w.npy --output xin.npy
expect_refused "output is the weights under another name" w.npy run --input x.npy --weights w.npy --output ./w.npy
expect_refused "output is a symlink to the input" xin.npy run --input xin.npy --weights w.npy --output xlink.npy
expect_refused "output is the bias" b.npy run --input x.npy --weights w.npy --bias b.npy --output b.npy

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
