package bundle

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// Writer streams a bundle to an io.Writer: entries first, manifest.json last,
// so that the manifest can record how long each capture took. Readers find the
// entries through the zip central directory, which the Writer writes on Close.
// Each entry is flushed to the io.Writer when the next one starts, so if the
// process dies mid-capture the entries completed so far are on disk and Read
// recovers them.
//
// Entries whose name ends in ".gz" are stored without compression (they are
// gzip already); all others are deflated. Bytes hold exactly what the caller
// wrote, so `unzip` and `go tool pprof` work on them.
//
// A Writer is not safe for concurrent use. After the first error every later
// call returns (or, for Fail and SetEntryInfo, keeps) that error and Close
// reports it.
type Writer struct {
	zw      *zip.Writer
	entries []Entry
	names   map[string]bool
	open    *countWriter // the entry being written, nil when none
	openIdx int          // index of the open entry in entries
	err     error        // sticky
	closed  bool
}

// NewWriter returns a Writer that streams a bundle to w. It writes nothing
// until the first entry is created. The caller must call Close.
func NewWriter(w io.Writer) *Writer {
	return &Writer{zw: zip.NewWriter(w), names: make(map[string]bool)}
}

// countWriter counts the bytes written to the current entry.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Create starts a new entry and returns the writer for its content. Only one
// entry can be open at a time: the next Create, Add or Close ends it and
// records its size as Entry.Bytes. An empty name means DefaultName(kind).
// Names must be valid slash-separated relative paths (io/fs.ValidPath), unique
// in the bundle and not "manifest.json".
func (w *Writer) Create(name string, kind Kind) (io.Writer, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.closed {
		return nil, errors.New("bundle: create after close")
	}
	w.finishOpen()
	if name == "" {
		name = DefaultName(kind)
	}
	if err := w.checkName(name); err != nil {
		return nil, err
	}
	method := zip.Deflate
	if strings.HasSuffix(name, ".gz") {
		method = zip.Store
	}
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: time.Now()})
	if err != nil {
		w.err = fmt.Errorf("bundle: entry %s: %w", name, err)
		return nil, w.err
	}
	// CreateHeader completed the previous entry (data descriptor included);
	// flush so that it survives if the process dies during this one, and
	// Read can salvage it from a bundle without a central directory.
	if err := w.zw.Flush(); err != nil {
		w.err = fmt.Errorf("bundle: entry %s: %w", name, err)
		return nil, w.err
	}
	w.names[name] = true
	w.entries = append(w.entries, Entry{Name: name, Kind: kind})
	w.openIdx = len(w.entries) - 1
	w.open = &countWriter{w: zf}
	return entryWriter{w: w, cw: w.open, name: name}, nil
}

// entryWriter wraps write errors with the entry name and makes them sticky.
type entryWriter struct {
	w    *Writer
	cw   *countWriter
	name string
}

func (e entryWriter) Write(p []byte) (int, error) {
	if e.w.err != nil {
		return 0, e.w.err
	}
	if e.w.open != e.cw {
		return 0, fmt.Errorf("bundle: entry %s: write after the entry was closed", e.name)
	}
	n, err := e.cw.Write(p)
	if err != nil {
		e.w.err = fmt.Errorf("bundle: entry %s: %w", e.name, err)
		return n, e.w.err
	}
	return n, nil
}

func (w *Writer) checkName(name string) error {
	switch {
	case name == "":
		return errors.New("bundle: entry needs a name (KindOther has no default name)")
	case name == ManifestName:
		return fmt.Errorf("bundle: entry %s: name is reserved for the manifest", name)
	case !fs.ValidPath(name) || name == ".":
		return fmt.Errorf("bundle: entry %q: not a valid relative slash-separated path", name)
	case w.names[name]:
		return fmt.Errorf("bundle: entry %s: duplicate name", name)
	}
	return nil
}

// finishOpen records the size of the open entry.
func (w *Writer) finishOpen() {
	if w.open == nil {
		return
	}
	w.entries[w.openIdx].Bytes = w.open.n
	w.open = nil
}

// Add writes a whole entry at once; see Create for name rules.
func (w *Writer) Add(name string, kind Kind, data []byte) error {
	ew, err := w.Create(name, kind)
	if err != nil {
		return err
	}
	_, err = ew.Write(data)
	return err
}

// Fail records an entry that was requested but could not be captured: the
// manifest lists it with err's text in Error and the bundle holds no file for
// it. An empty name means DefaultName(kind); a nil err is recorded as
// "unknown error". Fail never fails: a failed capture is information, not a
// reason to lose the rest of the bundle.
func (w *Writer) Fail(name string, kind Kind, err error) {
	if name == "" {
		name = DefaultName(kind)
	}
	msg := "unknown error"
	if err != nil {
		msg = err.Error()
	}
	w.finishOpen()
	w.entries = append(w.entries, Entry{Name: name, Kind: kind, Error: msg})
}

// SetEntryInfo records the profiling window (seconds, 0 for snapshots) and
// how long the capture took for the most recent entry called name, created or
// failed. It does nothing when there is no such entry.
func (w *Writer) SetEntryInfo(name string, seconds float64, took time.Duration) {
	for i := len(w.entries) - 1; i >= 0; i-- {
		if w.entries[i].Name == name {
			w.entries[i].Seconds = seconds
			w.entries[i].Took = took
			return
		}
	}
}

// Close ends the open entry, sets m.Schema to SchemaVersion and m.Entries to
// the entries written or failed (in that order, replacing what m held),
// writes manifest.json and the zip central directory. It does not close the
// underlying io.Writer. Close returns the first error of the Writer's life;
// calling it twice is an error.
func (w *Writer) Finish(m Manifest) error {
	if w.closed {
		return errors.New("bundle: writer already closed")
	}
	w.closed = true
	w.finishOpen()
	if w.err != nil {
		return w.err
	}
	m.Schema = SchemaVersion
	m.Entries = append([]Entry(nil), w.entries...)
	if m.Entries == nil {
		m.Entries = []Entry{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", ManifestName, err)
	}
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", ManifestName, err)
	}
	if _, err := zf.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("bundle: %s: %w", ManifestName, err)
	}
	if err := w.zw.Close(); err != nil {
		return fmt.Errorf("bundle: closing zip: %w", err)
	}
	return nil
}
