// Package benchmarks compares gdiag's goroutine dump parser with
// github.com/DataDog/gostackparse and github.com/maruel/panicparse/v2 on
// the same real dumps of 1k to 1M goroutines. It is its own module so that
// the peers never become dependencies of gdiag.
//
// The dumps come from cmd/gendump, which starts real goroutines in a
// realistic mix and writes the runtime's own output; cmd/parsemem measures
// the peak memory of one parser on one file.
//
// It also validates gdiag's advice against the flash-sale fixture run in its
// own process: cmd/poolserve serves it with the collector mounted, and
// TestPoolAdviceOnFixture (ranking, retained sites) and BenchmarkPoolAdvice
// (predicted versus measured savings of the recommended sync.Pools) analyse
// real bundles captured from it under load. See README.md for the commands
// and the measured results. The package itself has no API: everything is in
// its tests, benchmarks and commands.
package benchmarks
