package pool_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/pool"
)

// order is per-request scratch state that a handler fills and throws away.
type order struct {
	SKU   string
	Qty   int
	lines [64]string
}

// The pattern the pool/candidate advice describes: Get where the allocation
// was, defer Put right after it so the object goes back once the response is
// written, and a reset so no request sees the previous one's data.
func ExamplePool_Get() {
	orders, err := pool.New("orders", func() *order { return new(order) },
		pool.WithReset(func(o *order) { *o = order{} }))
	if err != nil {
		fmt.Println(err)
		return
	}
	handle := func(w http.ResponseWriter, r *http.Request) {
		o := orders.Get() // instead of o := new(order)
		defer orders.Put(o)
		o.SKU, o.Qty = r.URL.Query().Get("sku"), 1
		o.lines[0] = o.SKU
		fmt.Fprintf(w, "%s×%d", o.SKU, o.Qty)
	}
	for _, sku := range []string{"sku-1", "sku-2"} {
		rec := httptest.NewRecorder()
		handle(rec, httptest.NewRequest("POST", "/order?sku="+sku, nil))
		fmt.Println(rec.Body.String())
	}
	st := orders.Stats()
	fmt.Printf("gets=%d puts=%d\n", st.Gets, st.Puts)
	// Output:
	// sku-1×1
	// sku-2×1
	// gets=2 puts=2
}

// Stats reads the counters; HitRate is the share of Gets the pool served
// without calling the constructor. (sync.Pool may drop items at any GC, and
// drops some on purpose under the race detector, so hits are never exact.)
func ExamplePool_Stats() {
	bufs, err := pool.New("scratch", func() *[]byte { b := make([]byte, 0, 4<<10); return &b })
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 100 {
		b := bufs.Get()
		*b = append((*b)[:0], "work"...)
		bufs.Put(b)
	}
	st := bufs.Stats()
	fmt.Printf("%s: %d gets, %d puts, hit rate above 50%%: %v\n", st.Name, st.Gets, st.Puts, st.HitRate() > 0.5)
	// Output: scratch: 100 gets, 100 puts, hit rate above 50%: true
}

// The size rule keeps one huge request from pinning a huge buffer in the
// pool: items whose measured size exceeds the maximum are dropped on Put and
// counted.
func ExampleWithMaxSize() {
	bufs, err := pool.New("json-buffers",
		func() *bytes.Buffer { return new(bytes.Buffer) },
		pool.WithReset((*bytes.Buffer).Reset),
		pool.WithMaxSize((*bytes.Buffer).Cap, 256<<10), // 4× the usual 64 KiB response
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range []int{1 << 10, 64 << 10, 8 << 20} {
		b := bufs.Get()
		b.Write(make([]byte, n))
		bufs.Put(b)
	}
	st := bufs.Stats()
	fmt.Printf("puts=%d drops=%d\n", st.Puts, st.Drops)
	// Output: puts=2 drops=1
}

// Register the pool with the collector: every bundle's manifest then carries
// its counters (bundle.PoolStats), and `gdiag analyze` shows its hit rate and
// links the pool's constructor to its allocation site in the heap profile.
// Package collector reads the pool through collector.PoolReporter
// (interface{ Stats() bundle.PoolStats }) and does not import package pool.
func Example_collector() {
	bufs, err := pool.New("response-buffers", func() *bytes.Buffer { return new(bytes.Buffer) })
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := collector.New(collector.WithPools(bufs))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	bufs.Put(bufs.Get())
	m, err := c.Capture(context.Background(), io.Discard, collector.CaptureRequest{Include: []collector.Part{collector.PartMetrics}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range m.Pools {
		fmt.Printf("%s: gets=%d puts=%d constructor %s\n", p.Name, p.Gets, p.Puts, p.NewFunc)
	}
	// Output: response-buffers: gets=1 puts=1 constructor github.com/gdiag/gdiag/pool_test.Example_collector.func1
}
