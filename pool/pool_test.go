package pool_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/pool"
)

// The collector reads pools through this interface without importing pool.
var _ collector.PoolReporter = (*pool.Pool[*bytes.Buffer])(nil)

func newBuf() *bytes.Buffer { return new(bytes.Buffer) }

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name  string
		give  func() (*pool.Pool[*bytes.Buffer], error)
		want  []string // substrings of the error; nil = no error
		wantN int      // number of joined errors
	}{
		{
			name: "valid",
			give: func() (*pool.Pool[*bytes.Buffer], error) {
				return pool.New("ok", newBuf, pool.WithReset((*bytes.Buffer).Reset), pool.WithMaxSize((*bytes.Buffer).Cap, 1024))
			},
		},
		{
			name: "empty name",
			give: func() (*pool.Pool[*bytes.Buffer], error) { return pool.New("", newBuf) },
			want: []string{"pool: New: empty name"}, wantN: 1,
		},
		{
			name: "all problems at once",
			give: func() (*pool.Pool[*bytes.Buffer], error) {
				return pool.New("x", nil, pool.WithReset[*bytes.Buffer](nil), pool.WithMaxSize[*bytes.Buffer](nil, 0), nil)
			},
			want: []string{`pool: New "x": nil constructor`, "option 0: pool: WithReset: nil reset function",
				"option 1: pool: WithMaxSize: nil size function", "max 0 must be positive", "option 2 is nil"},
			wantN: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.give()
			if tt.want == nil {
				if err != nil || p == nil {
					t.Fatalf("New = %v, %v; want a pool", p, err)
				}
				return
			}
			if err == nil || p != nil {
				t.Fatalf("New = %v, %v; want an error", p, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var j interface{ Unwrap() []error }
			if !errors.As(err, &j) || len(j.Unwrap()) != tt.wantN {
				t.Errorf("error %q: want %d joined errors", err, tt.wantN)
			}
		})
	}
}

func TestPoolCountersAndSizeRule(t *testing.T) {
	var resets int
	p, err := pool.New("bufs", newBuf,
		pool.WithReset(func(b *bytes.Buffer) { resets++; b.Reset() }),
		pool.WithMaxSize((*bytes.Buffer).Cap, 4096))
	if err != nil {
		t.Fatal(err)
	}
	small := p.Get() // miss: constructor
	small.WriteString("hello")
	big := p.Get() // miss: constructor
	big.Grow(1 << 20)
	p.Put(small) // kept, reset
	p.Put(big)   // dropped: capacity over the cap
	if small.Len() != 0 {
		t.Errorf("kept buffer not reset: %q", small.String())
	}
	if resets != 1 {
		t.Errorf("reset ran %d times, want 1 (dropped items are not reset)", resets)
	}
	got := p.Stats()
	want := bundle.PoolStats{Name: "bufs", Gets: 2, Puts: 1, News: 2, Drops: 1, NewFunc: "github.com/gdiag/gdiag/pool_test.newBuf"}
	if got != want {
		t.Errorf("Stats = %+v\nwant    %+v", got, want)
	}
	if p.Name() != "bufs" {
		t.Errorf("Name = %q", p.Name())
	}
}

func TestPoolConcurrent(t *testing.T) {
	p, err := pool.New("conc", func() *[]byte { b := make([]byte, 0, 64); return &b },
		pool.WithReset(func(b *[]byte) { *b = (*b)[:0] }),
		pool.WithMaxSize(func(b *[]byte) int { return cap(*b) }, 128))
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				b := p.Get()
				if len(*b) != 0 {
					t.Errorf("got a dirty item of length %d", len(*b))
					return
				}
				n := 10
				if (w+i)%10 == 0 {
					n = 200 // grows past the cap: must be dropped
				}
				*b = append(*b, make([]byte, n)...)
				p.Put(b)
			}
		})
	}
	// Stats may be read while the pool is in use.
	for range 100 {
		if st := p.Stats(); st.News > st.Gets {
			t.Fatalf("News %d > Gets %d", st.News, st.Gets)
		}
	}
	wg.Wait()
	st := p.Stats()
	if st.Gets != workers*per || st.Puts+st.Drops != workers*per {
		t.Errorf("Stats = %+v: want %d gets and puts+drops", st, workers*per)
	}
	if st.Drops < workers*per/10 {
		t.Errorf("Drops = %d, want at least %d (every 10th item outgrew the cap)", st.Drops, workers*per/10)
	}
	if hr := st.HitRate(); hr <= 0 || hr >= 1 {
		t.Errorf("HitRate = %v, want in (0,1)", hr)
	}
}
