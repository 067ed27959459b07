#!/bin/sh
# Regenerates the corpus dumps: runs every program under gen/ and writes its
# goroutine dump (<name>.txt) and, with a toolchain that has the
# goroutineleakprofile experiment (Go 1.26+), its goroutineleak profile
# (<name>.goroutineleak.txt) into leaks/testdata/corpus/.
#
# Run from leaks/ with `go generate` (see corpus_test.go) or directly:
#   sh testdata/corpus/gen/generate.sh
set -eu
cd "$(dirname "$0")/.."
for dir in gen/*/; do
	name=$(basename "$dir")
	[ "$name" = internal ] && continue
	GOEXPERIMENT=goroutineleakprofile go run "./$dir" -o . ||
		go run "./$dir" -o .
	echo "corpus: $name"
done
