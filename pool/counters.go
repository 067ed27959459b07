package pool

import (
	"sync/atomic"
	"unsafe"
)

// nShards is the number of counter shards; a power of two.
const nShards = 16

// shard is one set of counters, padded to two cache lines so that goroutines
// counting on different shards do not share a line (adjacent-line prefetch
// pairs lines on amd64).
type shard struct {
	gets, puts, news, drops atomic.Uint64
	_                       [128 - 4*8]byte
}

// counters spread the pool's counters over shards so that Get and Put on
// different CPUs rarely contend on one cache line.
type counters struct {
	s [nShards]shard
}

// shard picks a shard from the address of the calling goroutine's stack:
// goroutine stacks are at least 2 KiB apart, so goroutines running at the
// same time land on different shards with high probability, while one
// goroutine keeps hitting the same (cache-warm) shard. The address is only
// hashed, never dereferenced; a moved stack just picks another shard, which
// the sums in Stats do not care about.
//
//go:nosplit
func (c *counters) shard() *shard {
	var x byte
	h := uintptr(unsafe.Pointer(&x)) >> 11
	h ^= h >> 5
	h ^= h >> 13
	return &c.s[h&(nShards-1)]
}
