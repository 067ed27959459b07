#!/bin/sh
# Regenerates the corpus dumps: runs every program under gen/ and writes its
# goroutine dump (<name>.txt) and its goroutineleak profile
# (<name>.goroutineleak.txt): with the machine's Go 1.26 (built with
# GOEXPERIMENT=goroutineleakprofile) into leaks/testdata/corpus/, and with
# Go 1.27.3 (which has the profile without an experiment) into
# leaks/testdata/corpus/go1.27/.
#
# Run from leaks/ with `go generate` (see corpus_test.go) or directly:
#   sh testdata/corpus/gen/generate.sh
set -eu
cd "$(dirname "$0")/.."
mkdir -p go1.27
for dir in gen/*/; do
	name=$(basename "$dir")
	[ "$name" = internal ] && continue
	GOEXPERIMENT=goroutineleakprofile go run "./$dir" -o . ||
		go run "./$dir" -o .
	GOTOOLCHAIN=go1.27.3 go run "./$dir" -o go1.27
	echo "corpus: $name"
done
