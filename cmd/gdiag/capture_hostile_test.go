package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// smallBundle is a valid bundle whose manifest and entry names carry
// terminal escape sequences, as a hostile server would send.
func smallBundle(t *testing.T, host, entryName string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bundle.NewWriter(&buf)
	if err := w.Add("heap.pb.gz", bundle.KindHeap, []byte("x")); err != nil {
		t.Fatal(err)
	}
	w.Fail(entryName, bundle.KindOther, fmt.Errorf("boom \x1b[2J"))
	if err := w.Finish(bundle.Manifest{Host: host, GoVersion: "go1.27"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostileServer answers every request with body under the given
// Content-Disposition file name.
func hostileServer(t *testing.T, filename string, body []byte) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestCaptureNeverOverwrites: a server-chosen name other than gdiag-*.gdiag
// is ignored, an existing file keeps its content whatever name collides,
// and -o refuses an existing file. Before, a hostile server replaced
// ./go.mod.
func TestCaptureNeverOverwrites(t *testing.T) {
	body := smallBundle(t, "h", "x.txt")
	dir := t.TempDir()
	gomod := filepath.Join(dir, "go.mod")
	os.WriteFile(gomod, []byte("module precious\n"), 0o644)
	res, err := fetchBundle(context.Background(), fetchRequest{URL: hostileServer(t, "go.mod", body), Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(gomod); string(got) != "module precious\n" {
		t.Fatalf("go.mod overwritten: %q", got)
	}
	if !strings.HasPrefix(filepath.Base(res.Path), "gdiag-") {
		t.Fatalf("wrote %s, want a gdiag-*.gdiag name", res.Path)
	}

	existing := filepath.Join(dir, "gdiag-web1.gdiag")
	os.WriteFile(existing, []byte("mine"), 0o644)
	res, err = fetchBundle(context.Background(), fetchRequest{URL: hostileServer(t, "gdiag-web1.gdiag", body), Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(existing); string(got) != "mine" {
		t.Fatalf("%s overwritten", existing)
	}
	if res.Path != filepath.Join(dir, "gdiag-web1-1.gdiag") {
		t.Fatalf("wrote %s, want gdiag-web1-1.gdiag", res.Path)
	}

	_, err = fetchBundle(context.Background(), fetchRequest{URL: hostileServer(t, "gdiag-a.gdiag", body), Out: gomod}, nil)
	if err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("-o onto an existing file: %v", err)
	}
	if got, _ := os.ReadFile(gomod); string(got) != "module precious\n" {
		t.Fatalf("go.mod overwritten by -o: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestAttachmentNameOnlyBundleNames(t *testing.T) {
	at := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	def := "gdiag-20261130T060000Z.gdiag"
	for give, want := range map[string]string{
		"gdiag-web1-20261130T060000Z.gdiag": "gdiag-web1-20261130T060000Z.gdiag",
		"go.mod":                            def,
		"../gdiag-x.gdiag":                  def,
		"gdiag-..gdiag":                     def,
		"gdiag-\x1b[2J.gdiag":               def,
		"gdiag-a.gdiag.sh":                  def,
	} {
		if got := attachmentName(`attachment; filename="`+give+`"`, at); got != want {
			t.Errorf("attachmentName(%q) = %q, want %q", give, got, want)
		}
	}
}

// TestCaptureEscapesServerText: names and messages from the bundle reach
// the terminal with their escape sequences shown, not executed.
func TestCaptureEscapesServerText(t *testing.T) {
	body := smallBundle(t, "host\x1b]0;pwned\x07", "evil\x1b[31m.txt")
	out := filepath.Join(t.TempDir(), "b.gdiag")
	code, stdout, stderr := runCLI(t, "capture", "-o", out, hostileServer(t, "gdiag-a.gdiag", body))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.ContainsRune(stdout, 0x1b) || strings.ContainsRune(stderr, 0x1b) {
		t.Fatalf("raw ESC reached the terminal:\n%q\n%q", stdout, stderr)
	}
	if !strings.Contains(stdout, `host\x1b]0;pwned\a`) || !strings.Contains(stdout, `evil\x1b[31m.txt`) {
		t.Fatalf("escaped names missing:\n%s", stdout)
	}
}

// TestCaptureKilledLeavesNoTempFile runs gdiag capture as a process against
// a server that sends part of a bundle and stalls, kills it with SIGTERM
// and then SIGKILL, and checks that no temporary file survives (the SIGKILL
// one is removed by the next capture in the same directory).
func TestCaptureKilledLeavesNoTempFile(t *testing.T) {
	bin := gdiagBinary(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	sent := make(chan struct{}, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write([]byte("PK\x03\x04 partial bundle"))
		http.NewResponseController(w).Flush()
		sent <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		cmd := exec.Command(bin, "capture", ts.URL)
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		<-sent
		// The bytes are out; wait until the client has them on disk.
		deadline := time.Now().Add(30 * time.Second)
		for {
			if m, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(m) > 0 {
				if st, err := os.Stat(m[0]); err == nil && st.Size() > 0 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the capture never wrote its temporary file")
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		left, _ := filepath.Glob(filepath.Join(dir, "*")) // matches dot files too
		switch sig {
		case syscall.SIGTERM:
			if len(left) != 0 {
				t.Fatalf("after SIGTERM: files left: %v", left)
			}
		case syscall.SIGKILL:
			if len(left) != 1 {
				t.Fatalf("after SIGKILL: want the one temp file, got %v", left)
			}
			removeStaleTemps(dir) // what the next capture does first
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
				t.Fatalf("stale temp file of a dead capture not removed: %v", left)
			}
		}
	}
}
