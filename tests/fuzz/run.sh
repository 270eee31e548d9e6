#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) in a separate clang
# build and runs each for SECONDS, two at a time, every one on a copy of its
# seed corpus (tests/fuzz/corpus/NAME) in a temporary directory.
#
# Usage: tests/fuzz/run.sh SECONDS [BUILD_DIR]     (BUILD_DIR: build-fuzz)
#   CLCONV_FUZZ_CC   the compiler (default clang-14, else clang)
#   CLCONV_FUZZ_JOBS fuzzers at once (default 2: the CI machine's cores)
#   CLCONV_FUZZ_ONLY space-separated names to run (default: all built)
# Needs clang and its libFuzzer runtime: scripts/deps.sh's CLCONV_FUZZ_DEBS.
#
# Exit 0 when no fuzzer found anything.  Otherwise 1, and for each failing
# fuzzer the reproducer (BUILD_DIR/fuzz-artifacts/NAME/crash-..., leak-,
# timeout-, oom-) and the tail of its output; reproduce with
#   BUILD_DIR/tests/fuzz_NAME REPRODUCER
# Logs: BUILD_DIR/fuzz-logs/NAME.log.
set -euo pipefail
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
    echo "usage: $0 SECONDS [BUILD_DIR]" >&2
    exit 2
fi
secs=$1
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${2:-$root/build-fuzz}"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
jobs="${CLCONV_FUZZ_JOBS:-2}"

cc="${CLCONV_FUZZ_CC:-}"
if [ -z "$cc" ]; then
    if command -v clang-14 >/dev/null; then cc=clang-14; else cc=clang; fi
fi
if ! command -v "$cc" >/dev/null; then
    echo "fuzz: '$cc' not found; install the fuzzing packages (scripts/deps.sh: CLCONV_FUZZ_DEBS)" >&2
    exit 1
fi
# The libFuzzer runtime is a separate Debian package (libclang-rt-14-dev).
probe="$(mktemp -d)"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>"$probe/err"; then
    cat "$probe/err" >&2
    echo "fuzz: $cc cannot link libFuzzer; install the fuzzing packages (scripts/deps.sh: CLCONV_FUZZ_DEBS)" >&2
    rm -rf "$probe"
    exit 1
fi
rm -rf "$probe"

echo "== fuzz: configure and build ($cc) in $build"
CC="$cc" cmake -S "$root" -B "$build" -DCLCONV_FUZZ=ON -DCLCONV_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLCONV_SANITIZE=address,undefined >"$build/fuzz-configure.log" 2>&1 ||
    { cat "$build/fuzz-configure.log" >&2; exit 1; }
cmake --build "$build" --target fuzzers -j "$jobs" >"$build/fuzz-build.log" 2>&1 ||
    { tail -n 60 "$build/fuzz-build.log" >&2; exit 1; }

names=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
    n="$(basename "$src" .c)"
    n="${n#fuzz_}"
    if [ -n "${CLCONV_FUZZ_ONLY:-}" ] && [[ " $CLCONV_FUZZ_ONLY " != *" $n "* ]]; then
        continue
    fi
    names+=("$n")
done

# Longest input worth trying per target; the rest use 4096.
max_len() {
    case "$1" in
    desc) echo 256 ;;
    params) echo 512 ;;
    *) echo 4096 ;;
    esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/clconv-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/fuzz-logs"

run_one() {
    local n=$1 exe="$build/tests/fuzz_$1" art="$build/fuzz-artifacts/$1"
    local corpus="$work/$n" args=()
    rm -rf "$art"
    mkdir -p "$art" "$corpus"
    if [ -d "$root/tests/fuzz/corpus/$n" ]; then
        cp "$root/tests/fuzz/corpus/$n"/* "$corpus"/ 2>/dev/null || true
    fi
    [ -f "$root/tests/fuzz/$n.dict" ] && args+=("-dict=$root/tests/fuzz/$n.dict")
    # fuzz_benchdnn's reader reports every bad token on stderr: silenced;
    # sanitizer reports and the fuzzer's own lines still come through.
    [ "$n" = benchdnn ] && args+=(-close_fd_mask=2)
    set +e
    (cd "$work" && "$exe" -max_total_time="$secs" -max_len="$(max_len "$n")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" "${args[@]}" \
        "$corpus") >"$build/fuzz-logs/$n.log" 2>&1
    echo $? >"$work/$n.rc"
}

echo "== fuzz: ${names[*]}, $secs s each, $jobs at a time"
declare -A pid_of
status=0
running=0
for n in "${names[@]}"; do
    if [ ! -x "$build/tests/fuzz_$n" ]; then
        echo "fuzz: $build/tests/fuzz_$n was not built" >&2
        status=1
        continue
    fi
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_one "$n" &
    pid_of[$n]=$!
    running=$((running + 1))
done

wait
failed=()
for n in "${names[@]}"; do
    [ -n "${pid_of[$n]:-}" ] || continue
    [ "$(cat "$work/$n.rc" 2>/dev/null)" = 0 ] || failed+=("$n")
done

# One line per fuzzer: executions, rate, coverage, corpus.
for n in "${names[@]}"; do
    log="$build/fuzz-logs/$n.log"
    [ -f "$log" ] || continue
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1 || true)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1 || true)"
    cov="$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1 || true)"
    printf 'fuzz_%-9s %10s runs %7s exec/s  %s\n' "$n" "${runs:-?}" "${rate:-?}" "${cov:-?}"
done

for n in "${failed[@]}"; do
    status=1
    echo
    echo "== fuzz_$n FAILED; reproducer(s):"
    found=0
    for f in "$build/fuzz-artifacts/$n"/*; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in slow-unit-*) continue ;; esac
        echo "   $f"
        found=1
    done
    [ $found -eq 1 ] || echo "   (none written; see the log)"
    echo "   reproduce: $build/tests/fuzz_$n REPRODUCER"
    echo "-- last 60 lines of $build/fuzz-logs/$n.log:"
    tail -n 60 "$build/fuzz-logs/$n.log"
done
[ $status -eq 0 ] && echo "== fuzz: no findings"
exit $status
