// Package hostile generates the hostile-input corpus of `gdiag analyze`:
// gzip and zip bombs, nested gzip, traversal and escape-sequence entry
// names, huge lines, million-frame stacks, dangling protobuf references,
// quadratic manifests and overflowing counts. Each case says what gdiag must
// answer (exit code and message) and within which bounds (peak RSS, time).
//
// The files are made at test time (cmd/gdiag's corpus test writes them into
// a temporary directory; bombs are built from repeated gzip members, so a
// 1 GiB expansion costs a few milliseconds to make) and are never
// committed. The program in gen writes them to a directory for manual runs:
//
//	go run ./internal/hostile/gen DIR
package hostile
