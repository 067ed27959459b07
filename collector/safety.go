package collector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Defaults of the safety options.
const (
	// DefaultFullDumpInterval is the least time between two full goroutine
	// dumps forced with full=1: each stops the world for as long as the
	// dump takes, so a client looping full=1 must not stop it for good.
	DefaultFullDumpInterval = time.Minute
	// CloseTimeout bounds how long Close waits for the collector's
	// goroutines after cancelling them.
	CloseTimeout = time.Second
	// MaxMetricsResponseSamples bounds the samples of one metrics history
	// response (the newest are sent); ?seconds= narrows the window.
	MaxMetricsResponseSamples = 4096
	// maxPendingSends bounds the finished bundles held in memory while
	// their clients download them.
	maxPendingSends = 2
	// sendChunk is what a blocked client can pin once abandoned.
	sendChunk = 32 << 10
)

// WithRemoteFullDump lets full=1 force the full goroutine dump for clients
// that are not on loopback or that authenticate with the token (WithToken).
// By default full=1 from such clients is refused (403): it is a
// stop-the-world button, and "loopback" includes every proxy on the same
// host. Forced dumps are rate-limited in any case (WithFullDumpInterval).
func WithRemoteFullDump() Option {
	return optionFunc(func(c *config) { c.remoteFull = true })
}

// WithFullDumpInterval sets the least time between two dumps forced with
// full=1 (default 1 min; 0 removes the limit). A full=1 sooner than that
// gets the guard's normal decision, and the manifest's stack_dump reason
// says why.
func WithFullDumpInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.errorf("full dump interval %v: must not be negative", d)
		}
		c.fullInterval = d
	})
}

// WithRedaction leaves out of every bundle the command line (os.Args,
// where flags such as tokens are often passed) and the environment-derived
// settings text (the GOGC, GOMEMLIMIT, GOMAXPROCS variables as set, and
// GODEBUG). The effective values and their sources are kept.
func WithRedaction() Option {
	return optionFunc(func(c *config) { c.redact = true })
}

// allowFull reports whether a forced full dump may run now, and records it
// when it may.
func (c *Collector) allowFull(now time.Time) (bool, string) {
	if c.cfg.fullInterval <= 0 {
		return true, ""
	}
	for {
		last := c.lastFull.Load()
		if last != 0 {
			if ago := now.Sub(time.Unix(0, last)); ago < c.cfg.fullInterval {
				return false, fmt.Sprintf("full=1 ignored: the last forced dump was %v ago, less than WithFullDumpInterval %v",
					ago.Round(time.Millisecond), c.cfg.fullInterval)
			}
		}
		if c.lastFull.CompareAndSwap(last, now.UnixNano()) {
			return true, ""
		}
	}
}

// retryAfter is the Retry-After of a refused bundle request, from the real
// state: the running capture's expected end (its window plus a second),
// else its hard deadline (WithMaxCaptureDuration), else the earliest end of
// a pending send; at least 1 s.
func (c *Collector) retryAfter(now time.Time) string {
	var wait time.Duration
	switch est, hard := time.Unix(0, c.busyUntil.Load()), time.Unix(0, c.busyDeadline.Load()); {
	case c.busyUntil.Load() != 0 && est.After(now):
		wait = est.Sub(now)
	case c.busyDeadline.Load() != 0 && hard.After(now):
		wait = hard.Sub(now)
	}
	if s := c.sends.earliest(); !s.IsZero() && s.After(now) && (wait == 0 || s.Sub(now) < wait) {
		wait = s.Sub(now)
	}
	return fmt.Sprint(max(int(math.Ceil(wait.Seconds())), 1))
}

// spoolWriter holds a bundle in memory while it is captured, so that the
// capture never waits for a client.
type spoolWriter struct {
	bytes.Buffer
}

// pendingSends tracks the bundles being sent to clients.
type pendingSends struct {
	mu        sync.Mutex
	deadlines map[*sendState]time.Time
}

// sendState is one bundle being sent.
type sendState struct {
	mu   sync.Mutex
	data []byte // nil once abandoned or done
	once sync.Once
	p    *pendingSends
}

// acquire registers a send that must end by deadline; false when
// maxPendingSends are already pending.
func (p *pendingSends) acquire(deadline time.Time) (*sendState, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.deadlines) >= maxPendingSends {
		return nil, false
	}
	if p.deadlines == nil {
		p.deadlines = map[*sendState]time.Time{}
	}
	s := &sendState{p: p}
	p.deadlines[s] = deadline
	return s, true
}

func (p *pendingSends) earliest() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var t time.Time
	for _, d := range p.deadlines {
		if t.IsZero() || d.Before(t) {
			t = d
		}
	}
	return t
}

func (p *pendingSends) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.deadlines)
}

// release drops the bundle and frees the send's place; safe to call more
// than once and from the abandon timer.
func (s *sendState) release() {
	s.once.Do(func() {
		s.mu.Lock()
		s.data = nil
		s.mu.Unlock()
		s.p.mu.Lock()
		delete(s.p.deadlines, s)
		s.p.mu.Unlock()
	})
}

// next copies the chunk at off into buf; ok is false once the send is
// abandoned or complete.
func (s *sendState) next(off int, buf []byte) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off >= len(s.data) {
		return 0, false
	}
	return copy(buf, s.data[off:]), true
}

// errAbandoned ends a send whose client did not take the bundle in time.
var errAbandoned = errors.New("collector: client too slow, response abandoned")

// send writes a finished bundle to a client within deadline: a write
// deadline on the connection where the ResponseWriter supports one, and in
// any case a hard stop: at the deadline the bundle is dropped, so a client
// that never reads pins at most one sendChunk and its connection.
func (c *Collector) send(w http.ResponseWriter, s *sendState, deadline time.Time) error {
	defer s.release()
	_ = http.NewResponseController(w).SetWriteDeadline(deadline)
	t := time.AfterFunc(time.Until(deadline), s.release)
	defer t.Stop()
	buf := make([]byte, sendChunk)
	for off := 0; ; {
		n, ok := s.next(off, buf)
		if !ok {
			if !time.Now().Before(deadline) {
				return errAbandoned
			}
			return nil
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return fmt.Errorf("collector: sending bundle: %w", err)
		}
		off += n
	}
}

// copyTo writes a spooled bundle to w after the capture slot is free.
func (sp *spoolWriter) copyTo(w io.Writer) error {
	_, err := w.Write(sp.Bytes())
	return err
}

// redact removes the command line and the environment-derived settings
// text from a manifest (WithRedaction).
func redact(m *bundle.Manifest) {
	m.Args = nil
	m.Settings.GOGC.Env = ""
	m.Settings.GOMEMLIMIT.Env = ""
	m.Settings.GOMAXPROCS.Env = ""
	m.Settings.GODEBUG = ""
	// -ldflags can carry -X main.secret=... values.
	var kept []string
	for _, line := range strings.Split(m.BuildInfo, "\n") {
		if !strings.HasPrefix(line, "build\t-ldflags=") {
			kept = append(kept, line)
		}
	}
	m.BuildInfo = strings.Join(kept, "\n")
}

// historyWait is how long a metrics history request waits for the one
// running before it gives up with 503; historyWriteTimeout bounds the
// writing of one response.
const (
	historyWait         = 5 * time.Second
	historyWriteTimeout = 10 * time.Second
)

// writeHistory streams the metrics history as JSON (the MetricsHistory
// shape): one response at a time, at most MaxMetricsResponseSamples
// samples (the newest; X-Gdiag-Samples-Dropped counts the rest), each
// sample encoded on its own so that memory is one sample and a 32 KiB
// buffer beyond the ring's copy.
func (c *Collector) writeHistory(w http.ResponseWriter, r *http.Request, since time.Time) {
	t := time.NewTimer(c.historyWait)
	defer t.Stop()
	select {
	case c.metricsSem <- struct{}{}:
		defer func() { <-c.metricsSem }()
	case <-t.C:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "collector: another metrics history response is being sent", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(historyWriteTimeout))
	samples, drop := c.ring.newest(since, MaxMetricsResponseSamples)
	if drop > 0 {
		w.Header().Set("X-Gdiag-Samples-Dropped", fmt.Sprint(drop))
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	fmt.Fprintf(bw, `{"interval_ns":%d,"samples":[`, int64(c.cfg.interval))
	for i := range samples {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(&samples[i])
		if err != nil {
			c.report(fmt.Errorf("collector: metrics history: %w", err))
			return
		}
		if _, err := bw.Write(b); err != nil {
			return // the client went away or is too slow
		}
	}
	bw.WriteString("]}\n")
	_ = bw.Flush()
}

// newest copies at most n of the samples taken at or after since (all for a
// zero since), the newest ones, oldest first, and says how many it left out.
func (r *ring) newest(since time.Time, n int) ([]bundle.MetricsSample, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := (r.next - r.n + len(r.buf)) % len(r.buf)
	first := r.n // index (0 = oldest) of the first sample at or after since
	for i := range r.n {
		if since.IsZero() || !r.buf[(start+i)%len(r.buf)].Time.Before(since) {
			first = i
			break
		}
	}
	drop := max(r.n-first-n, 0)
	out := make([]bundle.MetricsSample, 0, r.n-first-drop)
	for i := first + drop; i < r.n; i++ {
		out = append(out, r.buf[(start+i)%len(r.buf)])
	}
	return out, drop
}
