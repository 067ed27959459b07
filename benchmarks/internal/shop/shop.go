package shop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config says how many goroutines to start and how.
type Config struct {
	// Goroutines is how many workload goroutines to start (≥ 1). The process
	// has a few more: the caller's, the accept loops and, per HTTP long poll,
	// the server connection and the client transport goroutines.
	Goroutines int
	// Conns is the number of loopback TCP connection pairs whose ends many
	// goroutines read from; 0 means 64.
	Conns int
	// HTTPPolls caps the loopback HTTP long polls (each holds a connection
	// and four goroutines); 0 means 64.
	HTTPPolls int
	// Running is how many goroutines spin in running loops; they are started
	// last, so they do not slow the start of the others.
	Running int
	// Seed makes the choice of depths and sites reproducible.
	Seed uint64
	// Settle bounds how long Start waits for the goroutines to park; 0 means
	// 10 s plus 10 s per 100k goroutines.
	Settle time.Duration
}

// Shop is a started workload. Its methods are not safe for concurrent use.
type Shop struct {
	cfg    Config
	shards int

	ctx   context.Context
	never []chan struct{}
	sink  []chan int
	mu    []sync.Mutex
	rw    []sync.RWMutex
	wg    []sync.WaitGroup
	cond  []*sync.Cond
	conns []net.Conn
	pipes []*os.File
	// pipeWriters keep the pipes open (never written) so reads block.
	pipeWriters []*os.File
	ln          net.Listener
	httpLn      net.Listener
	httpURL     string
	client      *http.Client
	release     chan struct{}

	layers [numLayers]layer

	entered  atomic.Int64
	handlers atomic.Int64
	stop     atomic.Bool
	sink64   atomic.Uint64

	// Started counts the workload goroutines started per kind.
	Started map[string]int
}

type kind uint8

const (
	kChanRecv kind = iota
	kChanSend
	kChanRecvNil
	kChanSendNil
	kSelect
	kSelectTimer
	kSelectNoCases
	kMutex
	kRLock
	kLock
	kWaitGroup
	kCond
	kSleep
	kTicker
	kNetRead
	kPipeRead
	kHTTPPoll
	kRunning
	numKinds
)

var kindNames = [numKinds]string{
	"chan receive", "chan send", "chan receive (nil chan)", "chan send (nil chan)",
	"select", "select with timer", "select (no cases)", "mutex lock", "rwmutex rlock",
	"rwmutex lock", "waitgroup wait", "cond wait", "sleep", "ticker", "network read",
	"pipe read", "http long poll", "running",
}

func (k kind) String() string { return kindNames[k] }

// call is the state one goroutine carries down its recursion.
type call struct {
	s       *Shop
	kind    kind
	depth   int // layers still to descend
	pattern int // chooses the order of layers
	shard   int
	labels  []string
}

// Start starts cfg.Goroutines goroutines and returns once they have all
// reached their blocking point (or cfg.Settle passed, which is an error that
// comes with the started Shop). The goroutines are never stopped, except the
// running loops by Stop.
func Start(cfg Config) (*Shop, error) {
	if cfg.Goroutines < 1 {
		return nil, fmt.Errorf("shop: Goroutines is %d, want ≥ 1", cfg.Goroutines)
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 64
	}
	if cfg.HTTPPolls <= 0 {
		cfg.HTTPPolls = 64
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 10*time.Second + time.Duration(cfg.Goroutines/100_000)*10*time.Second
	}
	s := &Shop{cfg: cfg, shards: 16, ctx: context.Background(), release: make(chan struct{}), Started: map[string]int{}}
	s.layers = layerTable()
	s.never = make([]chan struct{}, s.shards)
	s.sink = make([]chan int, s.shards)
	s.mu = make([]sync.Mutex, s.shards)
	s.rw = make([]sync.RWMutex, s.shards)
	s.wg = make([]sync.WaitGroup, s.shards)
	s.cond = make([]*sync.Cond, s.shards)
	for i := range s.shards {
		s.never[i] = make(chan struct{})
		s.sink[i] = make(chan int)
		s.mu[i].Lock() // held by Start's caller forever: every Lock blocks
		s.rw[i].Lock() // likewise for RLock and Lock
		s.wg[i].Add(1) // never Done
		s.cond[i] = sync.NewCond(new(sync.Mutex))
	}
	if err := s.listen(); err != nil {
		return nil, err
	}

	plan := s.plan()
	total := 0
	for _, p := range plan {
		total += p.n
	}
	// Spawn from several parent goroutines so "created by … in goroutine N"
	// varies as it does in a server.
	const parents = 8
	var spawned sync.WaitGroup
	for p := range parents {
		spawned.Add(1)
		go func() {
			defer spawned.Done()
			rng := newRNG(cfg.Seed + uint64(p)*0x9e3779b97f4a7c15)
			for i, pl := range plan {
				if pl.site.kind == kRunning {
					continue
				}
				lo, hi := pl.n*p/parents, pl.n*(p+1)/parents
				for range hi - lo {
					pl.site.start(s, s.newCall(pl.site, i, rng))
				}
			}
		}()
	}
	spawned.Wait()
	for i, pl := range plan {
		if pl.site.kind != kRunning {
			continue
		}
		rng := newRNG(cfg.Seed + uint64(i))
		for range pl.n {
			pl.site.start(s, s.newCall(pl.site, i, rng))
		}
	}
	for _, pl := range plan {
		s.Started[pl.site.kind.String()] += pl.n
	}
	return s, s.settle(total, plan)
}

// Stop stops the running loops; the blocked goroutines stay.
func (s *Shop) Stop() { s.stop.Store(true) }

type planned struct {
	site site
	n    int
}

// plan splits cfg.Goroutines over the sites by weight, capping the HTTP long
// polls and the running loops and giving what they leave to the first site.
func (s *Shop) plan() []planned {
	ss := sites()
	sum := 0
	for _, st := range ss {
		sum += st.weight
	}
	n := s.cfg.Goroutines
	plan := make([]planned, len(ss))
	left := n
	httpLeft, runLeft := s.cfg.HTTPPolls, s.cfg.Running
	for i, st := range ss {
		k := n * st.weight / sum
		switch st.kind {
		case kHTTPPoll:
			k = min(k, httpLeft)
			httpLeft -= k
		case kRunning:
			k = min(runLeft, (s.cfg.Running+1)/2)
			runLeft -= k
		}
		k = min(k, left)
		plan[i] = planned{st, k}
		left -= k
	}
	plan[0].n += left
	return plan
}

func (s *Shop) newCall(st site, i int, rng *rng) *call {
	c := &call{
		s:       s,
		kind:    st.kind,
		depth:   st.minDepth + rng.intn(st.maxDepth-st.minDepth+1),
		pattern: rng.intn(3),
		shard:   rng.intn(s.shards),
	}
	if st.labels {
		c.labels = []string{"handler", "site" + strconv.Itoa(i), "tenant", "t" + strconv.Itoa(rng.intn(12))}
	}
	return c
}

// run is the body of every workload goroutine.
func (s *Shop) run(c *call) {
	if c.labels != nil {
		pprof.Do(s.ctx, pprof.Labels(c.labels...), func(context.Context) { s.descend(c) })
		return
	}
	s.descend(c)
}

// descend calls the layers c.depth deep, then blocks.
func (s *Shop) descend(c *call) {
	s.layers[(c.pattern*3+c.depth)%numLayers](c, c.depth, "begin")
}

// step counts one layer down and returns the next layer, or nil at the
// bottom, where the caller blocks.
func (c *call) step(id int) layer {
	c.depth--
	if c.depth <= 0 {
		return nil
	}
	return c.s.layers[(c.depth*(c.pattern+3)+id)%numLayers]
}

// block performs the goroutine's blocking operation.
func (s *Shop) block(c *call) {
	i := c.shard
	if c.kind != kHTTPPoll && c.kind != kRunning {
		s.entered.Add(1)
	}
	switch c.kind {
	case kChanRecv:
		awaitOrder(s.never[i])
	case kChanSend:
		publishEvent(s.sink[i], c.depth)
	case kChanRecvNil:
		var ch chan struct{}
		awaitOrder(ch)
	case kChanSendNil:
		var ch chan int
		publishEvent(ch, 1)
	case kSelect:
		select {
		case <-s.ctx.Done():
		case <-s.never[i]:
		case s.sink[(i+1)%s.shards] <- 1:
		}
	case kSelectTimer:
		select {
		case <-s.never[i]:
		case <-time.After(time.Hour):
		}
	case kSelectNoCases:
		select {}
	case kMutex:
		s.mu[i].Lock()
	case kRLock:
		s.rw[i].RLock()
	case kLock:
		s.rw[i].Lock()
	case kWaitGroup:
		s.wg[i].Wait()
	case kCond:
		cd := s.cond[i]
		cd.L.Lock()
		for {
			cd.Wait() // never signalled
		}
	case kSleep:
		time.Sleep(time.Hour)
	case kTicker:
		t := time.NewTicker(time.Hour)
		<-t.C
	case kNetRead:
		readFrame(s.conns[(i*7+c.depth)%len(s.conns)])
	case kPipeRead:
		readFrame(s.pipes[i%len(s.pipes)])
	case kHTTPPoll:
		s.longPoll(c)
	case kRunning:
		s.spin(c)
	}
}

//go:noinline
func awaitOrder(ch chan struct{}) { <-ch }

//go:noinline
func publishEvent(ch chan int, v int) { ch <- v }

//go:noinline
func readFrame(r io.Reader) {
	var buf [512]byte
	_, _ = r.Read(buf[:])
}

func (s *Shop) spin(c *call) {
	x := uint64(c.depth)
	for !s.stop.Load() {
		for range 1 << 16 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	s.sink64.Add(x)
}

func (s *Shop) longPoll(c *call) {
	resp, err := s.client.Get(s.httpURL + "/poll?site=" + strconv.Itoa(c.shard))
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}

// listen sets up the loopback TCP pairs, pipes and the HTTP server, and the
// goroutines that accept on them.
func (s *Shop) listen() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("shop: listen: %w", err)
	}
	s.ln = ln
	accepted := make(chan net.Conn)
	go acceptLoop(ln, accepted)
	for range s.cfg.Conns {
		cl, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return fmt.Errorf("shop: dial loopback: %w", err)
		}
		s.conns = append(s.conns, cl, <-accepted)
	}
	for range 4 {
		r, w, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("shop: pipe: %w", err)
		}
		s.pipes = append(s.pipes, r)
		s.pipeWriters = append(s.pipeWriters, w)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("shop: listen http: %w", err)
	}
	s.httpLn = hl
	s.httpURL = "http://" + hl.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("/poll", s.servePoll)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Minute}
	go func() { _ = srv.Serve(hl) }()
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	return nil
}

func acceptLoop(ln net.Listener, out chan<- net.Conn) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		out <- c
	}
}

// servePoll is a long-poll handler: it holds the request until the client
// goes away or the shop releases it (never).
func (s *Shop) servePoll(w http.ResponseWriter, r *http.Request) {
	s.handlers.Add(1)
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
	w.WriteHeader(http.StatusNoContent)
}

var errSettle = errors.New("goroutines did not settle")

// settle waits until every started goroutine has entered its blocking
// operation and the scheduler counts them as waiting.
func (s *Shop) settle(total int, plan []planned) error {
	var polls, running int
	for _, p := range plan {
		switch p.site.kind {
		case kHTTPPoll:
			polls += p.n
		case kRunning:
			running += p.n
		}
	}
	want := int64(total - polls - running)
	deadline := time.Now().Add(s.cfg.Settle)
	sample := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	var waiting uint64
	for time.Now().Before(deadline) {
		metrics.Read(sample)
		waiting = sample[0].Value.Uint64()
		if s.entered.Load() == want && s.handlers.Load() == int64(polls) && waiting >= uint64(want+int64(polls)) {
			// The counters are approximate: give the last few a moment to park.
			time.Sleep(50 * time.Millisecond)
			runtime.Gosched()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("shop: %w after %v: %d of %d entered, %d of %d polls held, %d waiting",
		errSettle, s.cfg.Settle, s.entered.Load(), want, s.handlers.Load(), polls, waiting)
}
