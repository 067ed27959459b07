package pool_test

import (
	"bytes"
	"fmt"

	"github.com/gdiag/gdiag/pool"
)

// A pool of *bytes.Buffer that resets buffers on Put and drops any that grew
// past 64 KiB.
func ExampleNew() {
	bufs, err := pool.New("response-buffers",
		func() *bytes.Buffer { return bytes.NewBuffer(make([]byte, 0, 4<<10)) },
		pool.WithReset((*bytes.Buffer).Reset),
		pool.WithMaxSize((*bytes.Buffer).Cap, 64<<10),
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	b := bufs.Get()
	b.WriteString("hello")
	bufs.Put(b) // kept: reset, back in the pool

	b = bufs.Get()
	b.Grow(1 << 20)
	bufs.Put(b) // dropped: capacity over 64 KiB

	st := bufs.Stats() // what the collector reads
	fmt.Printf("%s: gets=%d puts=%d drops=%d\n", st.Name, st.Gets, st.Puts, st.Drops)
	// Output: response-buffers: gets=2 puts=1 drops=1
}
