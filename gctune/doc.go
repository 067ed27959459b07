// Package gctune analyses Go garbage-collector and scheduler behaviour and
// recommends GOGC, GOMEMLIMIT and GOMAXPROCS values with their predicted
// effect.
//
// Inputs are a bundle's manifest (settings and where they came from, cgroup
// limits), its metrics history (runtime/metrics samples) and/or
// GODEBUG=gctrace=1 logs parsed by ParseGCTrace. Analyze summarises them
// (cycles per second, pauses, GC CPU split, live heap, allocation rate, …)
// and calibrates a Model following the Go GC guide
// (https://go.dev/doc/gc-guide): heap goal = live + (live + roots) × GOGC/100,
// capped by the memory limit; GC CPU per cycle ∝ live heap + roots; cycle
// rate = allocation rate / runway; the GC CPU limiter caps GC at 50% of
// GOMAXPROCS. Simulate replays the recorded load through a Candidate setting;
// Recommend turns that into report findings with before/after numbers, and
// WhatIf tabulates settings for a load given by hand.
//
// Analyze follows the check contract of every gdiag check (report.Result,
// docs/checks.md): it computes the Result once, recommendations for
// Options.Objective included, and Result.Findings and Result.Sections
// present it. The analyzer runs it once per input and prices the heap
// check's pool advice with the same Result.
//
// Everything here is a pure function of its input: no I/O, no clock, no
// globals; all functions are safe for concurrent use. The package does not
// collect data (see collector) nor render reports (see report), and it cannot
// fix a live heap that grows because of a leak: it says so and points at the
// leak findings.
package gctune
