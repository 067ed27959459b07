// Package limit bounds what gdiag reads from untrusted input: a Reader that
// fails with a clear error, instead of truncating silently, once more than a
// stated number of bytes has passed, and the gzip decompression the analysis
// side uses, always through such a Reader.
//
// Every decompression and every whole-input read in gdiag goes through this
// package, so that one rule (and one error message) says how much is read.
package limit
