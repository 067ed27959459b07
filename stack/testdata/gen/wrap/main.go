// Command wrap writes a real goroutine dump (runtime.Stack of the mix, with
// labels) the way log pipelines carry it. MODE selects the wrapping:
//
//	slog      log/slog's JSON handler: one record whose "stack" attribute is
//	          the whole dump (JSON escapes: \n, \t, \" and \u003c for '<')
//	slogline  log/slog's JSON handler: one record per dump line in "msg"
//	slogtext  log/slog's TextHandler (logfmt): one record whose last
//	          attribute, "stack", is the whole dump, quoted as strconv.Quote
//	          quotes it
//	slogtextline  log/slog's TextHandler: one record per dump line in msg
//	docker    Docker's json-file log driver: one {"log","stream","time"}
//	          record per line, written with encoding/json as the driver does
//	kubectl   `kubectl logs --timestamps`: every line stamped with its
//	          RFC3339Nano time, whose width varies because trailing zeros
//	          of the fraction are trimmed
//
// Records not about the dump are written before and after it.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	m, err := mix.Start(mix.Options{Labels: true, Workers: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, "wrap:", err)
		os.Exit(1)
	}
	defer m.Close()
	dump := mix.AllStacks()
	lines := bytes.SplitAfter(dump, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	switch mode := os.Getenv("MODE"); mode {
	case "slog":
		log.Info("server started", "addr", "127.0.0.1:8080")
		log.Error("watchdog: request stuck, dumping goroutines", "stack", string(dump), "handler", "/checkout")
		log.Info("shutting down")
	case "slogline":
		log.Info("server started", "addr", "127.0.0.1:8080")
		for _, l := range lines {
			log.Error(string(bytes.TrimSuffix(l, []byte("\n"))), "source", "stderr")
		}
		log.Info("shutting down")
	case "slogtext":
		tlog := slog.New(slog.NewTextHandler(os.Stdout, nil))
		tlog.Info("server started", "addr", "127.0.0.1:8080")
		tlog.Error("watchdog: request stuck, dumping goroutines", "handler", "/checkout", "stack", string(dump))
		tlog.Info("shutting down")
	case "slogtextline":
		tlog := slog.New(slog.NewTextHandler(os.Stdout, nil))
		tlog.Info("server started", "addr", "127.0.0.1:8080")
		for _, l := range lines {
			tlog.Error(string(bytes.TrimSuffix(l, []byte("\n"))))
		}
		tlog.Info("shutting down")
	case "docker":
		enc := json.NewEncoder(os.Stdout)
		rec := func(s string) {
			enc.Encode(struct {
				Log    string `json:"log"`
				Stream string `json:"stream"`
				Time   string `json:"time"`
			}{s, "stderr", time.Now().UTC().Format(time.RFC3339Nano)})
		}
		rec("listening on :8080\n")
		for _, l := range lines {
			rec(string(l))
		}
	case "kubectl":
		out := bytes.NewBuffer(nil)
		for _, l := range append([][]byte{[]byte("listening on :8080\n")}, lines...) {
			out.WriteString(time.Now().UTC().Format(time.RFC3339Nano))
			out.WriteByte(' ')
			out.Write(l)
			// Lines reach the kubelet one write at a time.
			time.Sleep(time.Duration(len(l)%7) * time.Microsecond)
		}
		os.Stdout.Write(out.Bytes())
	default:
		fmt.Fprintf(os.Stderr, "wrap: unknown MODE %q\n", mode)
		os.Exit(2)
	}
	runtime.KeepAlive(m.Keep())
}
