// Package pprofstack converts pprof goroutine profiles (the goroutine and
// goroutineleak profiles in protobuf form, debug=0) into the stack model of
// package stack. It is the one converter: package analyzer uses it for
// bundles and files, package collector/leakwatch for the live watch.
//
// Package stack imports only the standard library, so the conversion, which
// needs github.com/google/pprof/profile, lives here.
package pprofstack
