#!/bin/sh
# docs/embedding.md's table of public headers (between <!-- public headers --> and <!-- end public
# headers -->) names exactly the files of //:public_headers, which //:install installs.
# usage: public_headers_test.sh embedding.md HEADER...
set -eu
doc=$1
shift
listed=$(sed -n '/^<!-- public headers -->$/,/^<!-- end public headers -->$/p' "$doc" \
  | sed -n 's/^| `\([^`]*\.h\)` |.*/\1/p' | sort)
built=$(printf '%s\n' "$@" | sort)
[ -n "$listed" ] || { echo "FAIL: no public header table in $doc"; exit 1; }
if [ "$listed" != "$built" ]; then
  echo "FAIL: $doc lists other public headers than //:public_headers (BUILD.bazel PUBLIC_HEADERS)"
  echo "only in the doc:"; printf '%s\n' "$listed" | grep -vxF "$built" || true
  echo "only in BUILD.bazel:"; printf '%s\n' "$built" | grep -vxF "$listed" || true
  exit 1
fi
echo "PASS: $(printf '%s\n' "$built" | wc -l) public headers, the same in both"
