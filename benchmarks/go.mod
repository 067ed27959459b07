module github.com/gdiag/gdiag/benchmarks

go 1.26.0

require (
	github.com/DataDog/gostackparse v0.7.0
	github.com/gdiag/gdiag v0.0.0
	github.com/maruel/panicparse/v2 v2.5.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/ebitengine/purego v0.11.2 // indirect
	github.com/felixge/fgprof v0.9.5 // indirect
	github.com/go-ole/go-ole v1.2.6 // indirect
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	github.com/grafana/pyroscope-go/godeltaprof v0.1.12 // indirect
	github.com/klauspost/compress v1.20.1 // indirect
	github.com/lufia/plan9stats v0.0.0-20211012122336-39d0f177ccd0 // indirect
	github.com/power-devops/perfstat v0.0.0-20260805114148-88456608a4f6 // indirect
	github.com/shirou/gopsutil/v4 v4.26.10 // indirect
	github.com/tklauser/go-sysconf v0.4.0 // indirect
	github.com/tklauser/numcpus v0.12.0 // indirect
	github.com/yusufpapurcu/wmi v1.2.4 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/gdiag/gdiag => ../
