// Package units is gdiag's one way to write and read quantities: byte sizes
// for people (Bytes) and in GOMEMLIMIT syntax (MemLimit, the inverse of
// ParseBytes), byte rates (ParseRate), counts with thousands separators
// (Thousands) and goroutine wait times (Wait, WaitRange).
//
// Wait times are written in minutes below two hours ("95 min"), as the
// runtime prints them, in hours below two days ("5.5 h") and in days above.
// It imports only the standard library.
package units
