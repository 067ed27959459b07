package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/pprof/driver"
	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report/html"
)

// viewKinds are the profiles gdiag view serves, in the order it lists them.
var viewKinds = []bundle.Kind{
	bundle.KindCPU, bundle.KindFgprof, bundle.KindHeap, bundle.KindAllocs, bundle.KindBlock, bundle.KindMutex,
	bundle.KindGoroutineProfile, bundle.KindGoroutineLeak, bundle.KindThreadcreate,
}

// runView serves the HTML report of its inputs and each of their profiles
// in pprof's web UI on loopback until Ctrl-C.
func runView(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("view", "BUNDLE... (bundles or profiles; several bundles are compared as by diff)", stderr)
	var (
		addr = fs.String("http", "127.0.0.1:0", "loopback address to serve on (default: a random port)")
		load = addLoadFlags(fs)                                                                     // limits.go: --workers, --max-input, --max-profile, --max-goroutines
		leak = addLeakFlags(fs, leaks.DefaultTop, "number of goroutine buckets to list (-1 = all)") // diff.go
	)
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "gdiag view: no input files")
		fs.Usage()
		return exitUsage
	}
	if err := loopbackAddr(*addr); err != nil {
		fmt.Fprintf(stderr, "gdiag view: --http: %v\n", err)
		return exitUsage
	}
	opts := analyzer.Options{MainModules: leak.modules}
	if opts.Leaks, err = leak.options(); err != nil {
		fmt.Fprintf(stderr, "gdiag view: %v\n", err)
		return exitUsage
	}
	inputs, code := loadAll(files, stdin, stderr, load)
	if inputs == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v := viewer{addr: *addr, files: files, inputs: inputs, opts: opts, maxTrace: load.maxInput.n, stdout: stdout, stderr: stderr}
	if err := v.serve(ctx, nil); err != nil {
		fmt.Fprintf(stderr, "gdiag view: %s\n", term.SanitizeLines(err.Error()))
		return exitUsage
	}
	return code
}

// loopbackAddr checks that addr is host:port with a loopback host.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: gdiag view serves only this machine (127.0.0.1, ::1, localhost)", host)
	}
	return nil
}

// viewer is one run of gdiag view.
type viewer struct {
	addr     string
	files    []string
	inputs   []*analyzer.Input
	opts     analyzer.Options
	maxTrace int64
	stdout   io.Writer
	stderr   io.Writer
}

// viewProfile is one profile mounted in pprof's web UI.
type viewProfile struct {
	Input string // file name, for the index
	Kind  bundle.Kind
	Name  string // "cpu", or "2/cpu" with several inputs
	Path  string // "/pprof/cpu/"
	// Samples is the number of samples, to tell an empty profile.
	Samples int
}

// viewTrace is an execution trace extracted for go tool trace.
type viewTrace struct {
	Input, File, Command string
}

// serve builds the report and the pprof UIs, listens, prints the URL and
// serves until ctx is done; then it shuts the server down and removes the
// extracted traces. ready, when set, is called with the base URL once the
// server accepts connections (for tests).
func (v viewer) serve(ctx context.Context, ready func(url string)) error {
	rep := analyzer.Analyze(v.inputs, v.opts)
	if len(v.inputs) > 1 {
		rep = analyzer.Diff(v.inputs, v.opts)
	}
	var page bytes.Buffer
	if err := html.Write(&page, rep); err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}

	mux := http.NewServeMux()
	var profiles []viewProfile
	for i, in := range v.inputs {
		for _, k := range viewKinds {
			p := in.Profiles[k]
			if p == nil {
				continue
			}
			name := strings.TrimSuffix(bundle.DefaultName(k), ".pb.gz")
			if len(v.inputs) > 1 {
				name = strconv.Itoa(i+1) + "/" + name
			}
			prefix := "/pprof/" + name
			h, err := pprofUI(p, name, v.stderr)
			if err != nil {
				fmt.Fprintf(v.stderr, "gdiag view: %s: %s profile: %s\n", term.Sanitize(in.Name), k, term.SanitizeLines(err.Error()))
				continue
			}
			mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
			profiles = append(profiles, viewProfile{Input: in.Name, Kind: k, Name: name, Path: prefix + "/", Samples: len(p.Sample)})
		}
	}

	dir, err := os.MkdirTemp("", "gdiag-view-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	traces := v.extractTraces(dir)

	index, err := viewIndex(v.files, profiles, traces)
	if err != nil {
		return err
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(index)
	})
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page.Bytes())
	})

	ln, err := net.Listen("tcp", v.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: loopbackOnly(mux), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(v.stdout, "gdiag view: serving %s (Ctrl-C to stop)\n", url)
	fmt.Fprintf(v.stdout, "  %-13s %sreport\n", "report", url)
	for _, p := range profiles {
		fmt.Fprintf(v.stdout, "  %-13s %s%s  (flame graph; top, source: see its VIEW menu)\n", p.Name, strings.TrimSuffix(url, "/"), p.Path)
	}
	for _, t := range traces {
		fmt.Fprintf(v.stdout, "  %-13s %s   # while gdiag view runs\n", "trace", term.Sanitize(t.Command))
	}
	if ready != nil {
		ready(url)
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shut)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	<-served
	return err
}

// loopbackOnly refuses requests whose Host header is not a loopback name,
// so that a web page cannot read the report through DNS rebinding.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "gdiag view answers only requests for a loopback host", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// extractTraces writes each bundle's execution trace to dir for go tool
// trace, reading at most v.maxTrace bytes of each.
func (v viewer) extractTraces(dir string) []viewTrace {
	var out []viewTrace
	for i, in := range v.inputs {
		if in.Manifest == nil || in.Name == "-" {
			continue
		}
		b, err := bundle.Open(in.Name)
		if err != nil {
			continue // loaded before; a failure here was reported then
		}
		e, ok := b.Lookup(bundle.KindTrace)
		if ok {
			file := filepath.Join(dir, "trace.out")
			if len(v.inputs) > 1 {
				file = filepath.Join(dir, strconv.Itoa(i+1)+"-trace.out")
			}
			if err := copyEntry(b, e.Name, file, v.maxTrace); err != nil {
				fmt.Fprintf(v.stderr, "gdiag view: %s: %s\n", term.Sanitize(in.Name), term.SanitizeLines(err.Error()))
			} else {
				out = append(out, viewTrace{Input: in.Name, File: file, Command: "go tool trace " + shellQuote(file)})
			}
		}
		b.Close()
	}
	return out
}

// copyEntry copies a bundle entry to a new file, at most limit bytes.
func copyEntry(b *bundle.Reader, name, file string, limit int64) (err error) {
	rc, err := b.Open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	n, err := io.Copy(f, io.LimitReader(rc, limit+1))
	if err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	if n > limit {
		return fmt.Errorf("entry %s: larger than %d bytes (raise --max-input)", name, limit)
	}
	return nil
}

// pprofUI runs pprof's driver on p as `go tool pprof -http` would and
// returns its web UI as one handler, for mounting under a prefix: the
// driver hands its handlers to HTTPServer instead of listening itself.
func pprofUI(p *profile.Profile, name string, stderr io.Writer) (http.Handler, error) {
	var handlers map[string]http.Handler
	err := driver.PProf(&driver.Options{
		Flagset: &pprofFlags{FlagSet: flag.NewFlagSet("pprof", flag.ContinueOnError),
			args: []string{"-http=127.0.0.1:0", "-no_browser", "-symbolize=none", name}},
		Fetch: profileFetcher{p},
		UI:    pprofQuietUI{stderr: stderr, name: name},
		HTTPServer: func(args *driver.HTTPServerArgs) error {
			handlers = args.Handlers
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	if handlers == nil {
		return nil, errors.New("pprof did not start its web UI")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := handlers[r.URL.Path]
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}), nil
}

// profileFetcher gives the driver the profile gdiag loaded (with its own
// read limits) instead of letting it open a file or a URL.
type profileFetcher struct{ p *profile.Profile }

func (f profileFetcher) Fetch(src string, _, _ time.Duration) (*profile.Profile, string, error) {
	return f.p.Copy(), "", nil
}

// pprofFlags is the driver's command line: fixed arguments parsed with a
// standard flag.FlagSet.
type pprofFlags struct {
	*flag.FlagSet
	args []string
}

func (f *pprofFlags) StringList(name, def, usage string) *[]*string {
	return &[]*string{f.String(name, def, usage)}
}
func (f *pprofFlags) ExtraUsage() string   { return "" }
func (f *pprofFlags) AddExtraUsage(string) {}
func (f *pprofFlags) Parse(usage func()) []string {
	f.FlagSet.Usage = usage
	f.FlagSet.SetOutput(io.Discard)
	if err := f.FlagSet.Parse(f.args); err != nil {
		return nil
	}
	return f.FlagSet.Args()
}

// pprofQuietUI keeps the driver's chatter ("Serving web UI on …", which
// names the port it does not use) off the terminal and passes its errors on.
type pprofQuietUI struct {
	stderr io.Writer
	name   string
}

func (pprofQuietUI) ReadLine(string) (string, error) { return "", io.EOF }
func (pprofQuietUI) Print(...any)                    {}
func (u pprofQuietUI) PrintErr(args ...any) {
	fmt.Fprintf(u.stderr, "gdiag view: pprof %s: %s\n", u.name, term.SanitizeLines(strings.TrimSpace(fmt.Sprint(args...))))
}
func (pprofQuietUI) IsTerminal() bool                    { return false }
func (pprofQuietUI) WantBrowser() bool                   { return false }
func (pprofQuietUI) SetAutoComplete(func(string) string) {}

var viewIndexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gdiag view: {{index .Files 0}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}
code{background:#f4f4f4;padding:.1rem .3rem}.empty{color:#888}</style></head><body>
<h1>gdiag view</h1>
<p>{{range $i, $f := .Files}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}</p>
<h2><a href="report">Report</a></h2>
<p>Findings, verdicts and suggestions for {{if gt (len .Files) 1}}these inputs, compared in time order{{else}}this input{{end}}.</p>
<h2>Profiles</h2>
{{if .Profiles}}<table><tr><th>input</th><th>profile</th><th>samples</th><th>views</th></tr>
{{range .Profiles}}<tr><td><code>{{.Input}}</code></td><td>{{.Kind}}</td><td{{if eq .Samples 0}} class="empty"{{end}}>{{.Samples}}</td>
<td><a href="{{.Path}}flamegraph">flame graph</a> · <a href="{{.Path}}top">top</a> · <a href="{{.Path}}graph">graph</a> · <a href="{{.Path}}source">source</a> · <a href="{{.Path}}peek">peek</a> · <a href="{{.Path}}download">download</a></td></tr>
{{end}}</table>{{else}}<p>No pprof profiles in these inputs.</p>{{end}}
<h2>Execution trace</h2>
{{if .Traces}}{{range .Traces}}<p><code>{{.Command}}</code> ({{.Input}}; the file is removed when gdiag view stops)</p>{{end}}
{{else}}<p>No execution trace in these inputs (the collector records one with WithFlightRecorder).</p>{{end}}
</body></html>
`))

// viewIndex renders the index page.
func viewIndex(files []string, profiles []viewProfile, traces []viewTrace) ([]byte, error) {
	var b bytes.Buffer
	err := viewIndexTemplate.Execute(&b, struct {
		Files    []string
		Profiles []viewProfile
		Traces   []viewTrace
	}{files, profiles, traces})
	return b.Bytes(), err
}
