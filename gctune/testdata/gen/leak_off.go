//go:build !goexperiment.goroutineleakprofile

package main

// leakCheck does nothing without GOEXPERIMENT=goroutineleakprofile.
func leakCheck() {}
