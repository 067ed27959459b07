package collector

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gdiag/gdiag/bundle"
)

type panicPool struct{}

func (panicPool) Stats() bundle.PoolStats { panic("pool exploded") }

// TestPanicsRecovered: a panicking capture step becomes a failed entry, a
// panicking PoolReporter reaches the error handler, and the bundle is kept.
func TestPanicsRecovered(t *testing.T) {
	var mu sync.Mutex
	var errs []string
	c, err := New(WithPools(panicPool{}), WithErrorHandler(func(err error) {
		mu.Lock()
		errs = append(errs, err.Error())
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.stepHook = func(p Part) stepFunc {
		if p == PartHeap {
			return func(context.Context, io.Writer) error { panic("boom") }
		}
		return nil
	}
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, CaptureRequest{Include: []Part{PartHeap, PartAllocs}})
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	got := map[bundle.Kind]bundle.Entry{}
	for _, e := range m.Entries {
		got[e.Kind] = e
	}
	if e := got[bundle.KindHeap]; !strings.Contains(e.Error, "panic: boom") {
		t.Errorf("heap entry %+v: want the recovered panic", e)
	}
	if e := got[bundle.KindAllocs]; e.Error != "" || e.Bytes == 0 {
		t.Errorf("allocs entry %+v: want it taken after the panic", e)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !strings.Contains(errs[0], `pool 0: panic: pool exploded`) {
		t.Errorf("error handler got %q", errs)
	}
	b, err := bundle.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "panic bundle")
	if err != nil || len(b.Manifest.Entries) != 2 {
		t.Fatalf("bundle: %v, %+v", err, b)
	}
}

// TestEntryOverBudget: an entry larger than the bytes left is recorded as
// failed and the bundle is still valid.
func TestEntryOverBudget(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.stepHook = func(p Part) stepFunc {
		if p == PartHeap {
			return func(_ context.Context, w io.Writer) error {
				_, err := w.Write(make([]byte, 3<<20))
				return err
			}
		}
		return nil
	}
	var buf bytes.Buffer
	m, err := c.capture(context.Background(), &buf, CaptureRequest{Include: []Part{PartHeap, PartThreadcreate}}, 2<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Entries[0]; e.Kind != bundle.KindHeap || !strings.Contains(e.Error, "byte budget") {
		t.Errorf("heap entry %+v", e)
	}
	if e := m.Entries[1]; e.Error != "" || e.Bytes == 0 {
		t.Errorf("threadcreate entry %+v", e)
	}
	if buf.Len() > 2<<20 {
		t.Errorf("bundle %d bytes over the 2 MiB limit", buf.Len())
	}
	if _, err := bundle.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "budget bundle"); err != nil {
		t.Error(err)
	}
}
