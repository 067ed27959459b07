// Package parsers puts gdiag's goroutine dump parser and the peers it is
// compared with (github.com/DataDog/gostackparse and
// github.com/maruel/panicparse/v2) behind one signature, so the benchmarks
// and cmd/parsemem run each on exactly the same input in the same way.
//
// Every Parser reads the whole input from an io.Reader (streaming when the
// parser can), builds the parser's full model and returns only counts, so
// that what is measured is the parse (and grouping) itself.
package parsers
