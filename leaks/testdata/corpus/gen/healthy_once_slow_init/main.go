// healthy_once_slow_init: HEALTHY: lazily initialised clients behind
// sync.Once whose init functions are slow (a remote config fetch, here a
// sleep): request goroutines wait on the Once's mutex, and one init calls
// Do of another Once that a second goroutine is still initialising. Every
// wait ends when the inits return.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type lazy struct {
	once sync.Once
	val  int
	init func() int
}

func (l *lazy) get() int {
	l.once.Do(func() { l.val = l.init() })
	return l.val
}

func main() {
	config := &lazy{init: func() int {
		time.Sleep(time.Minute) // fetching the remote configuration
		return 1
	}}
	client := &lazy{init: func() int {
		return config.get() + 1 // the client needs the configuration first
	}}
	go config.get()
	time.Sleep(10 * time.Millisecond)
	go client.get()
	time.Sleep(10 * time.Millisecond)
	for range 8 {
		go func() { // request handlers
			client.get()
		}()
		go func() {
			config.get()
		}()
	}
	capture.Dump("healthy_once_slow_init", 200*time.Millisecond)
}
