package leaks_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// A dump as runtime.Stack(buf, true) writes it, cut to two goroutines: one
// waits for ten minutes on a channel send, the other on a nil channel.
const exampleDump = `goroutine 1 [running]:
main.main()
	/app/main.go:20 +0x25

goroutine 7 [chan send, 12 minutes]:
main.fetch.func1()
	/app/fetch.go:31 +0x1e
created by main.fetch in goroutine 1
	/app/fetch.go:29 +0x5f

goroutine 9 [chan receive (nil chan)]:
main.consume()
	/app/consume.go:8 +0x1a
created by main.main in goroutine 1
	/app/main.go:14 +0x45
`

// The check contract: Analyze judges the last snapshot with the history of
// the earlier ones, Findings and Sections present the result.
func ExampleAnalyze() {
	snap, _ := stack.Parse(strings.NewReader(exampleDump), stack.ParseOptions{})
	res, err := leaks.Analyze(leaks.Input{Samples: []leaks.Sample{{Name: "dump.txt", Snapshot: snap}}, GoVersion: "go1.27.3"}, leaks.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Findings() {
		fmt.Println(f.Severity, f.Verdict, f.Check, f.Location)
	}
	for _, s := range res.Sections() {
		fmt.Println(s.ID)
	}
	// Output:
	// critical proven-leak leaks/nil-chan /app/consume.go:8
	// high likely-leak leaks/chan-send-forever /app/fetch.go:31
	// leaks
	// goroutine-summary
	// top-buckets
}

func ExampleFind() {
	snap, _ := stack.Parse(strings.NewReader(exampleDump), stack.ParseOptions{})
	for _, f := range leaks.Find(snap, leaks.Options{}) {
		if !f.Verdict.IsLeak() {
			continue
		}
		fmt.Printf("%s %s %s:%d\n", f.Verdict, f.Check, f.Blocking.File, f.Blocking.Line)
	}
	// Output:
	// proven-leak leaks/nil-chan /app/consume.go:8
	// likely-leak leaks/chan-send-forever /app/fetch.go:31
}

func ExampleDiff() {
	dump := func(n int) *stack.Snapshot {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "goroutine %d [chan receive]:\nmain.poll()\n\t/app/poll.go:12 +0x1e\ncreated by main.start in goroutine 1\n\t/app/poll.go:5 +0x5f\n\n", 100+i)
		}
		snap, _ := stack.Parse(strings.NewReader(b.String()), stack.ParseOptions{})
		return snap
	}
	t0 := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	h := leaks.Diff([]leaks.Sample{
		{Name: "a", Time: t0, Snapshot: dump(10)},
		{Name: "b", Time: t0.Add(5 * time.Minute), Snapshot: dump(40)},
		{Name: "c", Time: t0.Add(10 * time.Minute), Snapshot: dump(70)},
	}, leaks.DiffOptions{})
	b := h.Buckets[0]
	fmt.Println(b.Counts, b.Growth, b.PerMinute, b.Sustained, b.Survivors, b.MaxAge)

	fs := leaks.Find(dump(70), leaks.Options{History: h})
	fmt.Println(fs[0].Verdict, fs[0].Check)
	// Output:
	// [10 40 70] 60 6 true 40 10m0s
	// likely-leak leaks/chan-receive-forever
}

func ExampleParseRule() {
	r, err := leaks.ParseRule(`creator=^main\.startPool$`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Name, r.Creator != nil)
	_, err = leaks.ParseRule("file=x")
	fmt.Println(err)
	// Output:
	// creator=^main\.startPool$ true
	// leaks: rule "file=x": unknown kind "file" (want top, func, entry, creator or label)
}

func ExampleFinding_Report() {
	snap, _ := stack.Parse(strings.NewReader(exampleDump), stack.ParseOptions{})
	fs := leaks.Find(snap, leaks.Options{})
	rf := fs[1].Report() // the sender blocked for 12 minutes
	fmt.Println(rf.Check, rf.Verdict, rf.Severity)
	fmt.Println(rf.Title)
	fmt.Println(rf.Location, "created by", rf.CreatedBy)
	fmt.Println(rf.GoroutineIDs, rf.Metrics["wait_minutes_max"])
	// Output:
	// leaks/chan-send-forever likely-leak high
	// 1 goroutine blocked sending on a channel in main.fetch.func1
	// /app/fetch.go:31 created by main.fetch at /app/fetch.go:29
	// [7] 12
}

func ExampleBenignRules() {
	rules := leaks.BenignRules()
	// Add a pattern of your own next to the built-in table.
	own, _ := leaks.ParseRule(`top=^github\.com/acme/app/cache\.\(\*janitor\)\.run$`)
	rules = append(rules, own)
	for _, r := range rules {
		if strings.HasPrefix(r.Name, "net/http") {
			fmt.Println(r.Name)
		}
	}
	// Output:
	// net/http server accept loop
	// net/http server connection waiting for the next request
	// net/http server background read
	// net/http idle keep-alive client connection (reader)
	// net/http client connection writer
	// net/http HTTP/2 connection
	// net/http test server
}

func ExampleChecks() {
	for _, c := range leaks.Checks()[:3] {
		fmt.Println(c.ID, c.Severity)
	}
	// Output:
	// leaks/chan-send-forever critical
	// leaks/chan-receive-forever critical
	// leaks/nil-chan critical
}
