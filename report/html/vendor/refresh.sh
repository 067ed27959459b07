#!/usr/bin/env bash
# Refreshes the vendored uPlot (https://github.com/leeoniya/uPlot, MIT) that
# report/html inlines into every HTML report, from its npm package:
#
#   report/html/vendor/refresh.sh            # the version in VERSION
#   report/html/vendor/refresh.sh 1.6.33     # another version
#
# It fetches the package with `npm pack` (which checks the registry's
# integrity hash), copies the minified IIFE build, its stylesheet and the
# licence here, and records the version and the tarball's integrity in
# VERSION. Review the diff, run `go test ./report/html/ ./cmd/gdiag/ -run
# Browser` (the real-browser test draws every chart with it), commit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(sed -n 's/^version //p' "$here/VERSION")}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$version" >/dev/null)
tgz=("$tmp"/uplot-*.tgz)
integrity="sha512-$(openssl dgst -sha512 -binary "${tgz[0]}" | base64 -w0)"
tar -xzf "${tgz[0]}" -C "$tmp"
cp "$tmp/package/dist/uPlot.iife.min.js" "$here/uPlot.iife.min.js"
cp "$tmp/package/dist/uPlot.min.css" "$here/uPlot.min.css"
cp "$tmp/package/LICENSE" "$here/LICENSE"
printf 'package uplot\nversion %s\nintegrity %s\nsource https://github.com/leeoniya/uPlot\n' "$version" "$integrity" >"$here/VERSION"
echo "uPlot $version vendored in $here ($integrity)"
