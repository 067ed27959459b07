// Package sample holds the reports the tests of package report and its
// renderers draw: a representative one (leak, GC and pool findings, tables,
// long paths, a warning) and a hostile one (markup, terminal escapes,
// non-finite metrics). Only tests import it.
package sample
