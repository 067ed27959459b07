package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/metrics"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/fixtures/flashsale"
)

// measurement is what one service process measured between /gcv/start and
// /gcv/stop, from its own runtime/metrics. The window runs from the first to
// the last GC cycle end inside the load, because the /cpu/classes metrics
// advance only at the end of a cycle.
type measurement struct {
	GOGC       string  `json:"gogc"`
	GOMEMLIMIT string  `json:"gomemlimit"`
	Cycles     int     `json:"cycles"`
	WindowSec  float64 `json:"window_s"`
	GCSec      float64 `json:"gc_cpu_s"`   // /cpu/classes/gc/total
	UserSec    float64 `json:"user_cpu_s"` // /cpu/classes/user
	IdleMarkS  float64 `json:"gc_idle_mark_s"`
	AssistSec  float64 `json:"gc_assist_s"`
	// GCShare is GC / (GC + user), the basis gctune predicts, over the
	// whole window; BlockShare the median, weighted by cycles, of the same
	// ratio over blocks of at least 2 s between cycle ends (the typical
	// share, which a CPU-starvation episode does not move).
	GCShare    float64 `json:"gc_share"`
	BlockShare float64 `json:"gc_share_block_median"`
	Blocks     int     `json:"blocks"`
	// PeakHeap is the largest /memory/classes/heap/objects:bytes sampled
	// every millisecond over the cycles that ended in the window;
	// CyclePeakP50 the median of the per-cycle peaks.
	PeakHeap     uint64  `json:"peak_heap_bytes"`
	CyclePeakP50 uint64  `json:"cycle_peak_p50_bytes"`
	LiveHeap     uint64  `json:"live_heap_bytes"`
	AllocRate    float64 `json:"alloc_bytes_per_s"`
	// RusageSec is the process CPU (user + system) over the window, the
	// real CPU next to the runtime's wall-time based estimates.
	RusageSec float64 `json:"rusage_cpu_s"`
	Samples   int     `json:"samples"`
	// Requests and LoadSec describe the load of the window (set by the
	// driver).
	Requests int     `json:"requests"`
	LoadSec  float64 `json:"load_s"`
}

var sampleNames = []string{
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/user:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
	"/gc/heap/allocs:bytes",
}

type reading struct {
	t                            time.Time
	cycles                       uint64
	gc, user, idle, assist       float64
	heapObjects, live, allocated uint64
	rusage                       float64
}

// sampler reads runtime/metrics every millisecond and keeps, while a window
// is open, the reading at every cycle end and the peak heap of every cycle.
type sampler struct {
	mu        sync.Mutex
	open      bool
	ends      []reading
	peaks     []uint64
	readings  int
	stop      chan struct{}
	done      chan struct{}
	gogc, lim string
}

func newSampler() *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{}), gogc: os.Getenv("GOGC"), lim: os.Getenv("GOMEMLIMIT")}
	go s.loop()
	return s
}

func read(ss []metrics.Sample) reading {
	metrics.Read(ss)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return reading{
		t:           time.Now(),
		cycles:      ss[0].Value.Uint64(),
		gc:          ss[1].Value.Float64(),
		user:        ss[2].Value.Float64(),
		idle:        ss[3].Value.Float64(),
		assist:      ss[4].Value.Float64(),
		heapObjects: ss[5].Value.Uint64(),
		live:        ss[6].Value.Uint64(),
		allocated:   ss[7].Value.Uint64(),
		rusage:      time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(),
	}
}

func (s *sampler) loop() {
	defer close(s.done)
	ss := make([]metrics.Sample, len(sampleNames))
	for i, n := range sampleNames {
		ss[i].Name = n
	}
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	last := read(ss)
	peak := last.heapObjects
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		r := read(ss)
		peak = max(peak, r.heapObjects)
		s.mu.Lock()
		s.readings++
		if r.cycles != last.cycles {
			if s.open {
				s.ends = append(s.ends, r)
				s.peaks = append(s.peaks, peak)
			}
			peak = r.heapObjects
		}
		s.mu.Unlock()
		last = r
	}
}

func (s *sampler) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open, s.ends, s.peaks, s.readings = true, nil, nil, 0
}

func (s *sampler) finish() (measurement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open = false
	m := measurement{GOGC: s.gogc, GOMEMLIMIT: s.lim, Samples: s.readings}
	if len(s.ends) < 3 {
		return m, fmt.Errorf("gcvalidate: only %d GC cycles ended in the window; run a longer load", len(s.ends))
	}
	a, b := s.ends[0], s.ends[len(s.ends)-1]
	m.Cycles = int(b.cycles - a.cycles)
	m.WindowSec = b.t.Sub(a.t).Seconds()
	m.GCSec, m.UserSec = b.gc-a.gc, b.user-a.user
	m.IdleMarkS, m.AssistSec = b.idle-a.idle, b.assist-a.assist
	m.GCShare = m.GCSec / (m.GCSec + m.UserSec)
	m.BlockShare, m.Blocks = blockShare(s.ends)
	// The first peak belongs to a cycle that began before the window.
	peaks := slices.Clone(s.peaks[1:])
	m.PeakHeap = slices.Max(peaks)
	slices.Sort(peaks)
	m.CyclePeakP50 = peaks[len(peaks)/2]
	lives := make([]uint64, 0, len(s.ends))
	for _, e := range s.ends {
		lives = append(lives, e.live)
	}
	slices.Sort(lives)
	m.LiveHeap = lives[len(lives)/2]
	m.AllocRate = float64(b.allocated-a.allocated) / m.WindowSec
	m.RusageSec = b.rusage - a.rusage
	return m, nil
}

// blockShare is the cycle-weighted median of GC / (GC + user) over blocks
// of at least 2 s that start and end at cycle ends.
func blockShare(ends []reading) (float64, int) {
	type wv struct{ v, w float64 }
	var bs []wv
	start := 0
	for i := 1; i < len(ends); i++ {
		a, b := ends[start], ends[i]
		if b.t.Sub(a.t) < 2*time.Second {
			continue
		}
		if gc, user := b.gc-a.gc, b.user-a.user; gc+user > 0 {
			bs = append(bs, wv{gc / (gc + user), float64(b.cycles - a.cycles)})
		}
		start = i
	}
	if len(bs) == 0 {
		return 0, 0
	}
	slices.SortFunc(bs, func(x, y wv) int {
		switch {
		case x.v < y.v:
			return -1
		case x.v > y.v:
			return 1
		}
		return 0
	})
	var total, acc float64
	for _, b := range bs {
		total += b.w
	}
	for _, b := range bs {
		if acc += b.w; acc >= total/2 {
			return b.v, len(bs)
		}
	}
	return bs[len(bs)-1].v, len(bs)
}

func (s *sampler) close() {
	close(s.stop)
	<-s.done
}

// serve runs the flash-sale service with Config.Sessions sessions and the
// gdiag collector mounted at /debug/gdiag/, prints its base URL on stdout
// and serves until standard input closes. POST /gcv/start opens a
// measurement window, POST /gcv/stop closes it and answers the measurement.
func serve(sessions int, faults flashsale.Faults, interval time.Duration, stdin io.Reader, stdout, stderr io.Writer) int {
	col, err := collector.New(collector.WithMetricsInterval(interval))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer col.Close()
	smp := newSampler()
	defer smp.close()
	mux := map[string]http.Handler{
		"/debug/gdiag/": col.Handler(),
		"POST /gcv/start": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			smp.start()
		}),
		"POST /gcv/stop": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m, err := smp.finish()
			if err != nil {
				http.Error(w, err.Error(), http.StatusConflict)
				return
			}
			_ = json.NewEncoder(w).Encode(m)
		}),
	}
	svc, err := flashsale.New(flashsale.Config{Sessions: sessions, Faults: faults, Mount: mux})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, stdin) // the parent closes stdin to stop us
	return 0
}
