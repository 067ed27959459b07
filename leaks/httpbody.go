package leaks

import (
	"fmt"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/stack"
)

// HTTP/1 client connections have two goroutines, started together by
// Transport.dialConn: a reader (persistConn.readLoop) and a writer
// (persistConn.writeLoop). Between responses the reader waits in the network
// poller (pc.br.Peek(1), "IO wait"): an idle keep-alive connection, benign.
// After handing a response to the caller it waits in a select until the
// caller has read the body to EOF or closed it (waitForBodyRead): while the
// caller reads, that is a request in flight; when nobody reads, the body was
// dropped without Close and the connection, both goroutines and their
// buffers stay until the server closes the connection, if ever.

const (
	fnReadLoop  = "net/http.(*persistConn).readLoop"
	fnWriteLoop = "net/http.(*persistConn).writeLoop"
)

// bodyFacts is what a snapshot says about HTTP/1 client response bodies.
type bodyFacts struct {
	// waiting counts readers of client connections waiting for their
	// response body to be consumed; readers the goroutines inside a read of
	// a client response body (bodyEOFSignal.Read).
	waiting, readers int
	// busy says some goroutine is making a client request (in
	// Transport.roundTrip) or running user code: it may be about to read a
	// body it holds.
	busy bool
	// dialers are the goroutines (by id) that started a waiting reader;
	// their writer shares its connection.
	dialers map[int64]bool
}

// unread is how many waiting connections no goroutine is reading.
func (bf *bodyFacts) unread() int { return max(bf.waiting-bf.readers, 0) }

func newBodyFacts(gs []stack.Goroutine) bodyFacts {
	bf := bodyFacts{dialers: map[int64]bool{}}
	for i := range gs {
		g := &gs[i]
		n := max(g.Count, 1)
		if isHTTPBodyWait(g.Stack, g.Op) {
			bf.waiting += n
			if g.ParentID != 0 {
				bf.dialers[g.ParentID] = true
			}
			continue
		}
		if g.Stack == nil {
			continue
		}
		reading, requesting, dumping := false, false, false
		for _, f := range g.Stack.Frames {
			switch f.Func {
			case "net/http.(*bodyEOFSignal).Read":
				reading = true
			case "net/http.(*Transport).roundTrip", "net/http.(*persistConn).roundTrip":
				requesting = true
			case "runtime.Stack", "runtime/pprof.writeGoroutineStacks", "runtime/pprof.writeGoroutine":
				dumping = true
			}
		}
		if reading {
			bf.readers += n
		}
		if requesting {
			bf.busy = true
		}
		// The first goroutine of a dump written by runtime.Stack or the
		// goroutine profile is the one writing it (the runtime elides
		// runtime.Stack itself); of a crash, the one crashing.
		if i == 0 && g.Op == stack.OpRunning {
			dumping = true
		}
		if g.Op == stack.OpRunning && !dumping {
			if _, ok := g.Stack.FirstUser(); ok {
				bf.busy = true
			}
		}
	}
	return bf
}

// isBodyWriter reports a client connection writer (idle in its select)
// whose reader, started by the same dialConn goroutine, waits for its body.
func isBodyWriter(bf *bodyFacts, g *stack.Goroutine) bool {
	if g.ParentID == 0 || !bf.dialers[g.ParentID] || g.Stack == nil || len(g.Stack.Frames) == 0 {
		return false
	}
	for _, f := range g.Stack.Frames {
		if f.Func == fnWriteLoop {
			return true
		}
		if !f.IsStdlib() {
			return false
		}
	}
	return false
}

// bodyWriters counts the goroutines of a bucket that are writers of
// connections whose reader waits for its body.
func bodyWriters(bf *bodyFacts, gs []stack.Goroutine, b *stack.Bucket) int {
	if bf.waiting == 0 {
		return 0
	}
	n := 0
	for _, gi := range b.Goroutines {
		if isBodyWriter(bf, &gs[gi]) {
			n += max(gs[gi].Count, 1)
		}
	}
	return n
}

// bodyEvidence weighs the goroutines of a bucket that hold a client
// connection waiting for its response body (readers, or writers when
// writers is set) and returns the weight; held is how many of the bucket's
// goroutines are such. Readers of bodies cannot be tied to their connection
// (dumps print no arguments one can trust), so the unread count is the
// snapshot's: waiting connections minus goroutines reading a body.
func bodyEvidence(f *Finding, sf *snapshotFacts, b *stack.Bucket, held int, writers bool) (points int, inFlight bool) {
	bf := &sf.bodies
	unread := min(bf.unread(), held)
	if unread == 0 {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBlocked,
			Text: fmt.Sprintf("%s goroutines are reading response bodies: the requests are in flight", units.Thousands(bf.readers))})
		return 0, true
	}
	what := "client connections wait"
	if writers {
		what = "client connection writers belong to connections that wait"
	}
	text := fmt.Sprintf("%s %s for their response bodies to be read or closed, and no goroutine reads them", units.Thousands(unread), what)
	if bf.readers > 0 {
		text = fmt.Sprintf("%s %s for their response bodies to be read or closed; only %s goroutines read bodies", units.Thousands(unread), what, units.Thousands(bf.readers))
	}
	w := 0
	switch {
	case unread >= sf.opts.pileUpLarge():
		w = 2
	case unread >= sf.opts.pileUp():
		w = 1
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidencePileUp, Weight: w, Text: text})
	points += w
	if !bf.busy {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceIdleClient, Weight: 1,
			Text: "no goroutine is making a request, reading a body or running user code: nothing is about to read these bodies"})
		points++
	}
	if sf.opts.Quiescent {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceQuiescent, Weight: 2,
			Text: sf.quiescentText("response bodies are held unread")})
		points += 2
	}
	if writers {
		// The writer is the reader's partner: its wait is the reader's.
		points += waitEvidence(f, b, sf.opts)
	}
	return points, false
}
