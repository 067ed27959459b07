package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/internal/units"
)

// exitCaptureFailed is the exit code of a capture that produced no usable
// bundle (network error, refusal by the collector, invalid bundle).
const exitCaptureFailed = 1

// tokenEnv is the environment variable read when --token is not given.
const tokenEnv = "GDIAG_TOKEN"

func runCapture(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("capture", "URL", stderr)
	var (
		seconds = fs.Float64("seconds", collector.DefaultSeconds, "window of the CPU and wall-clock profiles, in seconds (0 leaves them out)")
		token   = fs.String("token", "", "bearer token the collector requires (default $"+tokenEnv+")")
		outFile = fs.String("o", "", "write the bundle to this new file (default: the collector's gdiag-*.gdiag name in the current directory); an existing file is never overwritten")
		include list
		full    = fs.Bool("full", false, "take the full goroutine text dump even when its stop-the-world pause exceeds the collector's budget")
		timeout = fs.Duration("timeout", 0, "give up after this long (default: the window plus 2 minutes)")
	)
	fs.Var(&include, "include", "comma-separated parts to take (goroutines, goroutineleak, heap, allocs, block, mutex, threadcreate, cpu, fgprof, trace, metrics); default all")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "gdiag capture: want exactly one URL, e.g. http://127.0.0.1:8080/debug/gdiag/")
		fs.Usage()
		return exitUsage
	}
	if *seconds < 0 {
		fmt.Fprintln(stderr, "gdiag capture: --seconds must not be negative")
		return exitUsage
	}
	tok := *token
	if tok == "" {
		tok = os.Getenv(tokenEnv)
	}
	req := fetchRequest{URL: pos[0], Seconds: *seconds, Token: tok, Include: include, Full: *full, Out: *outFile}
	if _, err := req.bundleURL(); err != nil {
		fmt.Fprintf(stderr, "gdiag capture: %v\n", err)
		return exitUsage
	}
	d := *timeout
	if d <= 0 {
		d = time.Duration(*seconds*float64(time.Second)) + 2*time.Minute
	}
	// Ctrl-C (or a kill) hangs up, which makes the collector stop the
	// capture too, and removes the temporary file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	res, err := fetchBundle(ctx, req, progressTo(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "gdiag capture: %s\n", term.SanitizeLines(err.Error()))
		return exitCaptureFailed
	}
	printCaptured(stdout, res)
	return exitOK
}

// fetchRequest is one bundle download.
type fetchRequest struct {
	// URL is the collector's mount point ("http://127.0.0.1:8080/debug/gdiag/")
	// or its bundle endpoint; "host:port/path" gets http://.
	URL     string
	Seconds float64
	Token   string
	Include []string
	Full    bool
	// Out is the file to write; empty means the collector's file name in
	// the current directory.
	Out string
	// Dir is where a default-named file goes; empty means the current directory.
	Dir string
	// Client does the request; nil means a client without a timeout (ctx
	// bounds the download).
	Client *http.Client
}

// bundleURL is the bundle endpoint's URL with the query parameters.
func (r fetchRequest) bundleURL() (string, error) {
	raw := strings.TrimSpace(r.URL)
	if raw == "" {
		return "", errors.New("empty URL")
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %w", r.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("bad URL %q: scheme %q, want http or https", r.URL, u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("bad URL %q: no host", r.URL)
	}
	u.Path = mountOf(u.Path) + "bundle"
	u.RawPath = ""
	q := url.Values{} // the query of the URL given (e.g. a pprof path's) is not the bundle's
	q.Set("seconds", strconv.FormatFloat(r.Seconds, 'f', -1, 64))
	if len(r.Include) > 0 {
		q.Set("include", strings.Join(r.Include, ","))
	}
	if r.Full {
		q.Set("full", "1")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// mountOf is the collector's mount path (ending in "/") given any of its
// URLs' paths: the index with or without a trailing slash, bundle, metrics
// or a pprof/ path. A bare host means the conventional /debug/gdiag/.
func mountOf(p string) string {
	if p == "" || p == "/" {
		return "/debug/gdiag/"
	}
	if i := strings.LastIndex(p, "/pprof/"); i >= 0 {
		return p[:i+1]
	}
	if strings.HasSuffix(p, "/pprof") {
		return strings.TrimSuffix(p, "pprof")
	}
	for _, e := range []string{"bundle", "metrics"} {
		if strings.HasSuffix(p, "/"+e) {
			return strings.TrimSuffix(p, e)
		}
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// fetchResult is a downloaded, validated bundle.
type fetchResult struct {
	Path     string
	Bytes    int64
	Took     time.Duration
	Manifest bundle.Manifest
	// Problems are the bundle's own reports (entries that failed to
	// capture are in Manifest.Entries with Error set).
	Problems error
}

// progressFunc reports a running download: bytes so far, time since the
// request, the profiling window, and whether the download is over.
type progressFunc func(received int64, elapsed time.Duration, window float64, done bool)

// progressTo returns a progress printer for stderr when it is a terminal,
// nil otherwise (no progress noise in logs and pipes).
func progressTo(stderr io.Writer) progressFunc {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(n int64, el time.Duration, window float64, done bool) {
		if done {
			fmt.Fprint(stderr, "\r\033[K")
			return
		}
		phase := "downloading"
		if el.Seconds() < window {
			phase = fmt.Sprintf("profiling %.0f/%.0f s", el.Seconds(), window)
		}
		fmt.Fprintf(stderr, "\r\033[Kgdiag capture: %s, %s received", phase, units.Bytes(float64(n)))
	}
}

// fetchBundle downloads a bundle into a file, validates it with
// bundle.Read and Verify, and returns what it holds. The file is written under
// a temporary name and renamed when the download is complete, so a failed
// download never leaves a file that looks whole; a bundle cut short after
// the collector started sending is kept (dump salvages it) and reported.
func fetchBundle(ctx context.Context, r fetchRequest, progress progressFunc) (*fetchResult, error) {
	target, err := r.bundleURL()
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	if r.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+r.Token)
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}
		defer client.CloseIdleConnections()
	}
	start := time.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, explainTransport(hreq.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound && resp.Header.Get(collector.HeaderCollector) == "" {
		return nil, explainNotFound(ctx, client, hreq.URL, r.Token)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, explainStatus(hreq.URL, resp, r.Token != "")
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/zip" {
		return nil, fmt.Errorf("%s answered with %q, not a bundle (application/zip): is this a gdiag collector?", hreq.URL.Redacted(), ct)
	}

	// Only gdiag-*.gdiag names from the server; a file that exists is
	// never replaced (the final step is a hard link, which fails on an
	// existing name, instead of a rename, which would replace it).
	explicit := r.Out != ""
	path := r.Out
	if !explicit {
		path = filepath.Join(r.Dir, attachmentName(resp.Header.Get("Content-Disposition"), start))
	}
	if _, err := os.Lstat(path); err == nil && explicit {
		return nil, fmt.Errorf("%s exists; gdiag capture never overwrites a file: remove it or choose another -o", path)
	}
	dir := filepath.Dir(path)
	removeStaleTemps(dir)
	// The temporary file is created when the first byte arrives, carries
	// this process's id (so a later capture can remove it if this one is
	// killed with SIGKILL) and is removed on every other exit.
	tmp := &lazyFile{dir: dir, pattern: fmt.Sprintf("%s%d-*", tempPrefix, os.Getpid())}
	defer tmp.remove()

	cw := &countWriter{w: tmp}
	stopProgress := startProgress(progress, cw, start, r.Seconds)
	n, copyErr := io.Copy(cw, resp.Body)
	stopProgress()
	if err := tmp.close(); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil && n == 0 {
		return nil, fmt.Errorf("downloading %s: %w", hreq.URL.Redacted(), copyErr)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s sent an empty body, not a bundle", hreq.URL.Redacted())
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Interrupted (Ctrl-C, SIGTERM): the user wants no file.
		return nil, fmt.Errorf("interrupted after %s; nothing kept", units.Bytes(float64(n)))
	}
	// Validate under the temporary name: only a readable bundle gets a
	// gdiag-*.gdiag name.
	b, err := bundle.Open(tmp.name)
	if b == nil {
		return nil, fmt.Errorf("%s sent %s that is not a valid bundle: %w", hreq.URL.Redacted(), units.Bytes(float64(n)), errors.Join(copyErr, err))
	}
	defer b.Close()
	path, perr := placeNew(tmp.name, path, !explicit)
	if perr != nil {
		return nil, perr
	}
	res := &fetchResult{Path: path, Bytes: n, Took: time.Since(start)}
	res.Manifest = b.Manifest
	res.Problems = errors.Join(err, b.Verify())
	if copyErr != nil {
		return res, fmt.Errorf("download cut short after %s (%v); the complete entries were kept in %s", units.Bytes(float64(n)), copyErr, path)
	}
	if b.Manifest.Schema == 0 {
		return res, fmt.Errorf("%s: bundle without a readable manifest: %v", path, res.Problems)
	}
	return res, nil
}

// startProgress calls p every 200 ms until the returned stop is called.
func startProgress(p progressFunc, cw *countWriter, start time.Time, window float64) (stop func()) {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				p(cw.n.Load(), time.Since(start), window, true)
				return
			case <-t.C:
				p(cw.n.Load(), time.Since(start), window, false)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// countWriter counts the bytes written through it; the count may be read
// concurrently.
type countWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// attachmentName is the file name of a Content-Disposition header when it
// is a plain gdiag-*.gdiag name (letters, digits, '-', '_', '.'), else
// gdiag-<time>.gdiag: a server chooses neither the directory nor a name
// such as go.mod.
func attachmentName(cd string, t time.Time) string {
	if _, params, err := mime.ParseMediaType(cd); err == nil && validBundleName(params["filename"]) {
		return params["filename"]
	}
	return "gdiag-" + t.UTC().Format("20060102T150405Z") + ".gdiag"
}

func validBundleName(name string) bool {
	if len(name) > 200 || !strings.HasPrefix(name, "gdiag-") || !strings.HasSuffix(name, ".gdiag") || strings.Contains(name, "..") {
		return false
	}
	return strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0
}

// tempPrefix starts the names of capture's temporary files:
// .gdiag-capture-<pid>-<random>.
const tempPrefix = ".gdiag-capture-"

// lazyFile is a temporary file created in dir on the first write.
type lazyFile struct {
	dir, pattern string
	f            *os.File
	name         string
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.CreateTemp(l.dir, l.pattern)
		if err != nil {
			return 0, err
		}
		l.f, l.name = f, f.Name()
	}
	return l.f.Write(p)
}

func (l *lazyFile) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func (l *lazyFile) remove() {
	_ = l.close()
	if l.name != "" {
		_ = os.Remove(l.name)
	}
}

// removeStaleTemps removes the temporary files of earlier captures in dir
// whose process is gone (killed before it could clean up). Files of
// running captures, and every other file, are left alone.
func removeStaleTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*"))
	for _, name := range names {
		rest := strings.TrimPrefix(filepath.Base(name), tempPrefix)
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if !processAlive(pid) {
			_ = os.Remove(name)
		}
	}
}

// placeNew gives the complete temporary file tmp its final name without
// replacing any existing file. With numbered set, an existing name gets a
// -1, -2, … suffix before .gdiag; otherwise it is an error.
func placeNew(tmp, path string, numbered bool) (string, error) {
	base, ext := strings.TrimSuffix(path, ".gdiag"), ".gdiag"
	if !strings.HasSuffix(path, ext) {
		base, ext = path, ""
	}
	for i := 0; i < 100; i++ {
		name := path
		if i > 0 {
			if !numbered {
				break
			}
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		err := os.Link(tmp, name)
		if err == nil {
			_ = os.Remove(tmp)
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("saving the bundle as %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("%s exists; gdiag capture never overwrites a file: remove it or choose another -o", path)
}

// explainTransport turns a failed request into a message saying what to do.
func explainTransport(u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && (errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("%s: no complete answer before the timeout (--timeout): %w", u.Redacted(), err)
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to %s: connection refused; is the service running, listening on that port, with the collector mounted at %s?", u.Host, strings.TrimSuffix(u.Path, "bundle"))
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%s: connection reset by the server: %w", u.Host, err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot resolve %s: %w", dnsErr.Name, err)
	}
	return fmt.Errorf("GET %s: %w", u.Redacted(), err)
}

// explainNotFound says why the bundle endpoint is 404 from something other
// than the collector: it asks the mount point itself, whose answer carries
// the collector's header when the collector is there.
func explainNotFound(ctx context.Context, client *http.Client, bundleURL *url.URL, token string) error {
	index := *bundleURL
	index.Path, index.RawPath, index.RawQuery = strings.TrimSuffix(bundleURL.Path, "bundle"), "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, index.String(), nil)
	if err == nil && token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if err == nil {
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.Header.Get(collector.HeaderCollector) != "" {
				return fmt.Errorf("404 Not Found: the collector answers at %s but the router in front of it answers 404 for %s: "+
					"the router matches the mount path exactly; mount the whole subtree (http.ServeMux: \"/debug/gdiag/\"; chi: r.Mount(\"/debug/gdiag\", h); "+
					"gorilla/mux: r.PathPrefix(\"/debug/gdiag/\").Handler(h); gin: r.Any(\"/debug/gdiag/*path\", gin.WrapH(h)); echo: e.Any(\"/debug/gdiag/*\", echo.WrapHandler(h)))",
					index.Redacted(), bundleURL.Path)
			}
		}
	}
	return fmt.Errorf("404 Not Found: no gdiag collector at %s (neither %s nor the mount point answered as a collector); give any URL of the collector, e.g. http://HOST:PORT/debug/gdiag/",
		index.Redacted(), bundleURL.Path)
}

// explainStatus turns a refusal by the collector into a message saying what
// to do.
func explainStatus(u *url.URL, resp *http.Response, sentToken bool) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	msg := strings.TrimSpace(string(body))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	status := resp.Status
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		if sentToken {
			return fmt.Errorf("%s: the collector rejected the token (%s)", status, msg)
		}
		return fmt.Errorf("%s: the collector requires a bearer token: pass --token or set %s (%s)", status, tokenEnv, msg)
	case http.StatusForbidden:
		return fmt.Errorf("%s: the collector accepts only loopback clients; capture from the host itself (ssh, kubectl port-forward) or give the service collector.WithToken and pass --token (%s)", status, msg)
	case http.StatusTooManyRequests:
		wait := "later"
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if s, err := strconv.Atoi(ra); err == nil {
				wait = fmt.Sprintf("in %d s (Retry-After)", s)
			} else {
				wait = "after " + ra + " (Retry-After)"
			}
		}
		return fmt.Errorf("%s: another capture is running on this process; retry %s", status, wait)
	case http.StatusNotFound:
		return fmt.Errorf("%s: no collector at %s; give the URL the collector is mounted at, e.g. http://HOST:PORT/debug/gdiag/", status, u.Redacted())
	case http.StatusBadRequest:
		return fmt.Errorf("%s: the collector refused the request: %s", status, msg)
	case http.StatusServiceUnavailable:
		return fmt.Errorf("%s: the collector is shutting down: %s", status, msg)
	}
	if msg == "" {
		return fmt.Errorf("%s from %s", status, u.Redacted())
	}
	return fmt.Errorf("%s from %s: %s", status, u.Redacted(), msg)
}

// printCaptured summarises a bundle and prints the commands to explore it.
func printCaptured(w io.Writer, r *fetchResult) {
	m := r.Manifest
	taken, failed := 0, 0
	for _, e := range m.Entries {
		if e.Error == "" {
			taken++
		} else {
			failed++
		}
	}
	// Everything from the bundle is the server's text: escaped before it
	// reaches the terminal.
	fmt.Fprintf(w, "wrote %s (%s, %d entries) in %v\n", term.Sanitize(r.Path), units.Bytes(float64(r.Bytes)), taken, r.Took.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  process: %s pid %d, %s, %d goroutines\n", term.Sanitize(m.Host), m.PID, term.Sanitize(m.GoVersion), m.Goroutines)
	if sd := m.StackDump; sd != nil {
		if sd.Taken {
			fmt.Fprintf(w, "  full goroutine dump: taken, stop-the-world %v (budget %v)\n", sd.MeasuredPause.Round(time.Microsecond), sd.Budget)
		} else {
			fmt.Fprintf(w, "  full goroutine dump: skipped, %s; the goroutine profile is in the bundle (--full forces the dump)\n",
				term.Sanitize(strings.TrimSuffix(strings.TrimPrefix(sd.Reason, "skipped: "), "; full=1 overrides")))
		}
	}
	for _, e := range m.Entries {
		if e.Error != "" {
			fmt.Fprintf(w, "  not captured: %s: %s\n", term.Sanitize(e.Name), term.Sanitize(e.Error))
		}
	}
	if m.Sampling != nil {
		for _, n := range m.Sampling.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	if r.Problems != nil {
		for _, line := range strings.Split(r.Problems.Error(), "\n") {
			fmt.Fprintf(w, "  warning: %s\n", term.Sanitize(line))
		}
	}
	printExplore(w, r.Path, m)
}

// printExplore prints the commands that open a bundle.
func printExplore(w io.Writer, path string, m bundle.Manifest) {
	q := term.Sanitize(shellQuote(path))
	dir := strings.TrimSuffix(path, filepath.Ext(path))
	fmt.Fprintln(w, "next:")
	fmt.Fprintf(w, "  gdiag analyze %s\n", q)
	fmt.Fprintf(w, "  gdiag view %s       # the report and every profile (flame graphs) in the browser\n", q)
	var profiles []string
	for _, e := range m.Entries {
		if e.Error == "" && strings.HasSuffix(e.Name, ".pb.gz") {
			profiles = append(profiles, e.Name)
		}
	}
	if len(profiles) > 0 {
		fmt.Fprintf(w, "  unzip -o %s -d %s    # entries are stored as the runtime wrote them\n", q, term.Sanitize(shellQuote(dir)))
		for _, p := range []string{"cpu.pb.gz", "fgprof.pb.gz", "heap.pb.gz", "goroutine.pb.gz"} {
			for _, have := range profiles {
				if have == p {
					fmt.Fprintf(w, "  go tool pprof -http=: %s\n", term.Sanitize(shellQuote(filepath.Join(dir, p))))
				}
			}
		}
	}
	for _, e := range m.Entries {
		if e.Kind == bundle.KindTrace && e.Error == "" && validEntryName(e.Name) {
			fmt.Fprintf(w, "  go tool trace %s\n", term.Sanitize(shellQuote(filepath.Join(dir, e.Name))))
		}
	}
}

// validEntryName reports whether an entry name is a plain file name worth
// suggesting in a command (no directories, no control characters).
func validEntryName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/\\") && !strings.HasPrefix(name, ".") && term.Sanitize(name) == name
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
