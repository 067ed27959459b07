module github.com/gdiag/gdiag/benchmarks

go 1.26.0

require (
	github.com/DataDog/gostackparse v0.7.0
	github.com/gdiag/gdiag v0.0.0
	github.com/maruel/panicparse/v2 v2.5.0
)

replace github.com/gdiag/gdiag => ../
