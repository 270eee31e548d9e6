#!/usr/bin/env bash
# Installs the build to a temporary prefix, then builds tests/install as an
# outside project twice, with find_package(clconv) and with pkg-config, and
# runs both.  Usage: check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"; src="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir="$(ls -d "$tmp"/prefix/lib*/ | head -n1)"
echo "== find_package(clconv)"
cmake -S "$src/tests/install" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cmake/consumer"
echo "== pkg-config clconv"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -o "$tmp/consumer_pc" "$src/tests/install/consumer.c" $(pkg-config --cflags --libs clconv) -lm
LD_LIBRARY_PATH="$libdir" "$tmp/consumer_pc"
