package collector

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"
)

func deep(n int, stop chan struct{}) {
	if n == 0 {
		<-stop
		return
	}
	deep(n-1, stop)
}

func TestZZMeasure(t *testing.T) {
	for _, n := range []int{1000, 10000, 100000} {
		stop := make(chan struct{})
		for range n {
			go deep(18, stop)
		}
		time.Sleep(200 * time.Millisecond)
		c, _ := New()
		for i, full := range []bool{false, true, false} {
			var buf bytes.Buffer
			t0 := time.Now()
			m, err := c.Capture(context.Background(), &buf, CaptureRequest{Full: full, Include: []Part{PartGoroutines}})
			if err != nil {
				t.Fatal(err)
			}
			gp := m.Entries[0]
			t.Logf("n=%d run %d full=%v: total %v, goroutine profile took %v (%d B); text taken=%v est=%v measured=%v bytes=%d reason=%s",
				n, i, full, time.Since(t0), gp.Took, gp.Bytes, m.StackDump.Taken, m.StackDump.EstimatedPause, m.StackDump.MeasuredPause, buf.Len(), m.StackDump.Reason)
		}
		c.Close()
		close(stop)
		runtime.GC()
	}
}
