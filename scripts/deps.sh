#!/usr/bin/env bash
# Installs the Debian packages clconv needs, if any are missing.  Sourced by
# scripts/test and scripts/bench; safe to run again.
set -euo pipefail
CLCONV_DEBS="cmake make gcc pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd libclblast-dev libdnnl-dev libonnx-testdata clinfo python3-numpy perl oclgrind"
# Optional, only for the libFuzzer targets (tests/fuzz/run.sh): clang and its
# libFuzzer runtime, a separate package that clang-14 does not pull in.
# Installed only when asked: CLCONV_DEBS="$CLCONV_DEBS $CLCONV_FUZZ_DEBS" first.
CLCONV_FUZZ_DEBS="clang-14 libclang-rt-14-dev"
clconv_install_deps() {
    local missing=()
    for p in $CLCONV_DEBS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "clconv: installing missing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
