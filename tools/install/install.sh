#!/usr/bin/env bash
# `bazel run //:install -- --prefix DIR`: installs the library for builds without Bazel.
#   DIR/include/sanstls/...          the public headers, at their paths in the repository
#                                    (#include "core/connection.h" with -I DIR/include/sanstls)
#   DIR/lib/libsanstls.a             the engine, platform/ and the default crypto provider
#   DIR/lib/pkgconfig/sanstls.pc     pkg-config --cflags --libs sanstls
# A relative DIR is relative to the directory bazel was run from. The first argument (given by the
# BUILD rule) is the tree that //:install_tree assembled.
set -euo pipefail
tree=$1
shift
usage() { echo "usage: bazel run //:install -- --prefix DIR" >&2; exit 2; }
prefix=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix|-prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) echo "usage: bazel run //:install -- --prefix DIR"; exit 0 ;;
    *) echo "install: unknown argument $1" >&2; usage ;;
  esac
done
[ -n "$prefix" ] || usage
case $prefix in
  /*) ;;
  *) prefix=${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix ;;
esac
[ -d "$tree/include/sanstls" ] || { echo "install: $tree is not an install tree" >&2; exit 1; }

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
rm -rf "$prefix/include/sanstls"
cp -R "$tree/include/sanstls" "$prefix/include/sanstls"
cp "$tree/lib/libsanstls.a" "$prefix/lib/libsanstls.a"
# Bazel's outputs are read-only; the installed copy is the user's to replace.
chmod -R u+w "$prefix/include/sanstls" "$prefix/lib/libsanstls.a"
sed "s|@PREFIX@|$prefix|" "$tree/lib/pkgconfig/sanstls.pc.in" >"$prefix/lib/pkgconfig/sanstls.pc"
echo "installed sanstls in $prefix ($(find "$prefix/include/sanstls" -name '*.h' | wc -l) headers, lib/libsanstls.a, lib/pkgconfig/sanstls.pc)"
