package leaks

import (
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// Check IDs. They are public API: stable and kebab-case. Each names the
// pattern (what the goroutines block on); the finding's verdict says how
// certain the leak is.
const (
	CheckChanSend          = "leaks/chan-send-forever"
	CheckChanReceive       = "leaks/chan-receive-forever"
	CheckNilChan           = "leaks/nil-chan"
	CheckSelectNoCases     = "leaks/select-no-cases"
	CheckSelect            = "leaks/select-forever"
	CheckMutex             = "leaks/mutex-wait"
	CheckRWMutex           = "leaks/rwmutex-wait"
	CheckWaitGroup         = "leaks/waitgroup-wait"
	CheckCond              = "leaks/cond-wait"
	CheckSemaphore         = "leaks/semaphore-wait"
	CheckHTTPBodyNotClosed = "leaks/http-body-not-closed"
	CheckIOWait            = "leaks/io-wait"
	CheckGrowth            = "leaks/growth"
	CheckProven            = "leaks/proven"
	CheckActive            = "leaks/active"
)

// Checks returns the public description of every leak check, in a fixed
// order. It returns a new slice on each call.
func Checks() []report.Check {
	return []report.Check{
		{ID: CheckChanSend, Severity: report.SeverityCritical, Title: "Goroutines blocked sending on a channel nobody receives from",
			Doc: "A goroutine sends its result on an unbuffered channel and the receiver gave up (timeout, early return). Suggests a buffer of 1 or a select on `ctx.Done()` around the send."},
		{ID: CheckChanReceive, Severity: report.SeverityCritical, Title: "Goroutines blocked receiving from a channel nobody sends on or closes",
			Doc: "A goroutine waits on a channel (a result, `ctx.Done()` of a context never cancelled, a ticker never stopped) that no one will send on or close. Suggests closing the channel, `defer cancel()`, `ticker.Stop()` and returning, or a select on `ctx.Done()`."},
		{ID: CheckNilChan, Severity: report.SeverityCritical, Title: "Goroutines blocked on a nil channel",
			Doc: "A send or receive on a nil channel blocks forever: always a leak (proven). Usually a channel field that was never initialised with make."},
		{ID: CheckSelectNoCases, Severity: report.SeverityCritical, Title: "Goroutines blocked in select {}",
			Doc: "An empty select blocks forever (proven leak), except in the main goroutine where it is an idiom to keep a server alive."},
		{ID: CheckSelect, Severity: report.SeverityCritical, Title: "Goroutines blocked in a select no case of which will fire",
			Doc: "A select whose channels nobody sends on or closes and which has no cancellation case. Suggests a `case <-ctx.Done(): return` and making sure each channel is closed by its owner."},
		{ID: CheckMutex, Severity: report.SeverityCritical, Title: "Goroutines blocked in sync.Mutex.Lock for good",
			Doc: "A lock that is never released: an early return or panic without Unlock, or a double Lock on one goroutine. Long waits or a growing queue mark it; a short convoy under load is contention, not a leak. Suggests `defer mu.Unlock()` right after Lock."},
		{ID: CheckRWMutex, Severity: report.SeverityCritical, Title: "Goroutines blocked on a sync.RWMutex for good",
			Doc: "An RLock held across a call that takes the lock again while a writer waits, or a write lock never released. Suggests `defer Unlock/RUnlock`, never recursive RLock."},
		{ID: CheckWaitGroup, Severity: report.SeverityCritical, Title: "Goroutines blocked in sync.WaitGroup.Wait for good",
			Doc: "Add and Done do not match: a worker returned early without Done, or Add ran more often than the workers. Suggests `defer wg.Done()` as the first statement of each worker and Add before the go statement."},
		{ID: CheckCond, Severity: report.SeverityCritical, Title: "Goroutines blocked in sync.Cond.Wait with no signal coming",
			Doc: "Nobody calls Signal or Broadcast after the condition changes, or the condition is checked outside a loop. Suggests Broadcast on every state change and on shutdown, or a channel instead."},
		{ID: CheckSemaphore, Severity: report.SeverityHigh, Title: "Goroutines blocked acquiring a semaphore for good",
			Doc: "A semaphore (golang.org/x/sync/semaphore, a runtime semaphore) whose permits are never released. Suggests releasing in a defer and acquiring with a context."},
		{ID: CheckHTTPBodyNotClosed, Severity: report.SeverityHigh, Title: "HTTP client connections held by response bodies never closed",
			Doc: "net/http's persistConn.readLoop waits for the caller to finish the response body. Bodies that are never read to EOF and closed keep the connection, its two goroutines and their buffers. Suggests `defer resp.Body.Close()` right after the error check."},
		{ID: CheckIOWait, Severity: report.SeverityHigh, Title: "Goroutines piling up in network or file IO",
			Doc: "Many goroutines from one creation site wait in IO for long, or their number grows: reads without a deadline, clients without a timeout. Suggests deadlines (`SetReadDeadline`, `http.Client.Timeout`, a context)."},
		{ID: CheckGrowth, Severity: report.SeverityHigh, Title: "Goroutine bucket keeps growing between snapshots",
			Doc: "A bucket whose count rises in every snapshot of a series (three or more), whatever it blocks on: goroutines are started faster than they finish. Suggests bounding the work (a worker pool, a semaphore) and checking that each goroutine has a way to end."},
		{ID: CheckActive, Severity: report.SeverityInfo, Title: "Goroutines running, sleeping or in a system call",
			Doc: "Buckets that wait on nothing a leak waits on (running, runnable, sleeping, in a system call or in runtime work) and do not grow. Reported only with `--all-buckets`; a bucket of these that keeps growing is reported as `leaks/growth`."},
		{ID: CheckProven, Severity: report.SeverityCritical, Title: "Goroutines the runtime proved leaked",
			Doc: "Go's goroutineleak profile (Go 1.27+; Go 1.26 with GOEXPERIMENT=goroutineleakprofile) found goroutines blocked on objects nothing reachable can ever signal, on an operation no other check names."},
	}
}

// checkFor names the check of a bucket blocked in op.
func checkFor(op stack.Op) string {
	switch op {
	case stack.OpChanSend:
		return CheckChanSend
	case stack.OpChanReceive, stack.OpTimer:
		return CheckChanReceive
	case stack.OpChanReceiveNil, stack.OpChanSendNil:
		return CheckNilChan
	case stack.OpSelectNoCases:
		return CheckSelectNoCases
	case stack.OpSelect:
		return CheckSelect
	case stack.OpMutex:
		return CheckMutex
	case stack.OpRWMutexRLock, stack.OpRWMutexLock:
		return CheckRWMutex
	case stack.OpWaitGroup:
		return CheckWaitGroup
	case stack.OpCond:
		return CheckCond
	case stack.OpSemaphore:
		return CheckSemaphore
	case stack.OpNetIO, stack.OpFileIO:
		return CheckIOWait
	}
	return CheckGrowth
}

// suggestion is the concrete change proposed for a check.
func suggestion(check string) string {
	switch check {
	case CheckChanSend:
		return "Make the channel buffered (make(chan T, 1)) so the sender can finish when the receiver has gone, or send in a select with case <-ctx.Done(): return."
	case CheckChanReceive:
		return "Make sure the sender closes the channel (defer close(ch)) or that the goroutine also selects on ctx.Done(); for a context call cancel (defer cancel()) on every path; for a time.Ticker call Stop and return when the work is done."
	case CheckNilChan:
		return "Initialise the channel with make before use; a nil channel blocks forever (a nil case in a select is only fine next to a case that fires)."
	case CheckSelectNoCases:
		return "Replace select {} with a wait on a signal or ctx.Done() so the goroutine can end."
	case CheckSelect:
		return "Add case <-ctx.Done(): return (or a done channel closed on shutdown) to the select, and make sure each channel it waits on is closed by its owner."
	case CheckMutex:
		return "Unlock on all paths: call defer mu.Unlock() right after Lock, and never Lock twice on one goroutine or hold the lock across slow calls."
	case CheckRWMutex:
		return "Release on all paths (defer mu.RUnlock()/mu.Unlock()) and never take RLock recursively: a waiting writer blocks the second RLock."
	case CheckWaitGroup:
		return "Call wg.Add before the go statement and defer wg.Done() as the first statement of every worker, so early returns and panics still count down."
	case CheckCond:
		return "Call Broadcast (or Signal) after every change of the condition and on shutdown, check the condition in a for loop, or use a channel instead."
	case CheckSemaphore:
		return "Release every acquired permit in a defer and acquire with a context (semaphore.Acquire(ctx, n)) so waiters can give up."
	case CheckHTTPBodyNotClosed:
		return "Close every response body: defer resp.Body.Close() right after the error check, and drain it (io.Copy(io.Discard, resp.Body)) to reuse the connection."
	case CheckIOWait:
		return "Give every read and write a deadline (conn.SetDeadline, http.Client{Timeout: …}, a request context) so stuck peers cannot hold goroutines forever."
	case CheckGrowth:
		return "Bound the number of goroutines (a worker pool or a semaphore) and make sure each one has a way to end (ctx.Done(), a closed channel)."
	case CheckProven:
		return "Nothing can wake these goroutines: find who should have sent, closed, unlocked or signalled, and make the goroutine select on ctx.Done() as well."
	}
	return ""
}
