package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// DefaultReadLimit is the limit ReadFile applies when given a limit <= 0 and
// Reader.Limit is 0: 256 MiB, far above any real profile and far below what
// a zip bomb expands to. Reads grow with the data, so the limit costs nothing
// until that much arrives.
const DefaultReadLimit = 256 << 20

// MaxManifestBytes bounds manifest.json; real manifests are a few KiB.
const MaxManifestBytes = 8 << 20

// ErrTooLarge is wrapped by the errors of reads that stop at a byte limit.
var ErrTooLarge = errors.New("larger than the read limit")

// Reader is an opened bundle. Entries are read lazily from the zip, so a
// Reader holds little memory whatever the bundle's size.
//
// A Reader is safe for concurrent use by multiple goroutines as long as the
// io.ReaderAt it reads from is (files are).
type Reader struct {
	// Manifest is the decoded manifest.json; zero (Schema 0) when the
	// manifest is missing or unreadable.
	Manifest Manifest
	// Name names the bundle in error messages: the path given to Open or the
	// name given to Read.
	Name string
	// Limit is the byte limit of ReadFile given a limit <= 0 and of
	// Metrics; 0 means DefaultReadLimit. Set it before reading entries.
	Limit int64

	files  map[string]*file // by name, first occurrence wins
	order  []*file          // zip order, duplicates and manifest excluded
	closer io.Closer

	// entries is what Entries returns, built once by Read so that listing
	// and Lookup cost O(entries) and O(1) whatever the manifest repeats.
	entries []Entry
	// byKind is the index in entries of the first entry of each kind whose
	// file is present.
	byKind map[Kind]int
}

// file is one entry present in the bundle, from the zip central directory or
// recovered by salvage.
type file struct {
	name string
	// size is the uncompressed size the zip claims; it may lie.
	size uint64
	open func() (io.ReadCloser, error)
}

func (b *Reader) add(f *file) error {
	if _, dup := b.files[f.name]; dup {
		return fmt.Errorf("bundle: %s: entry %s: duplicate name, later copy ignored", b.Name, f.name)
	}
	b.files[f.name] = f
	if f.name != ManifestName {
		b.order = append(b.order, f)
	}
	return nil
}

// IsBundle reports whether head, the first bytes of an input, starts like a
// zip file (a local file header, or the end record of an empty zip). Four
// bytes are enough. It is cheap and never reads beyond head.
func IsBundle(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// Open opens the bundle file at path. Close the Reader when done.
//
// Open returns a nil Reader and an error when the file cannot be opened or
// nothing in it is readable. It returns a Reader and an error together when
// part is readable: the manifest is missing, corrupt or of a newer schema (the
// Reader then lists the entries present with kinds inferred from their
// names), or the file was cut short during capture and has no zip central
// directory (the Reader then holds every entry that was complete, found by
// scanning the local headers, and the error names the entry that was cut).
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("bundle: %w", err)
	}
	b, err := Read(f, st.Size(), path)
	if b == nil {
		f.Close()
		return nil, err
	}
	b.closer = f
	return b, err
}

// Read reads a bundle of size bytes from r; name is used in error messages.
// It reads the zip central directory and manifest.json, not the entries. The
// results are as for Open. The caller keeps r open while using the Reader.
func Read(r io.ReaderAt, size int64, name string) (*Reader, error) {
	b := &Reader{Name: name, files: make(map[string]*file)}
	var errs []error
	if err := checkDirectory(r, size); err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", name, err)
	}
	zr, err := zip.NewReader(r, size)
	switch {
	case err == nil || errors.Is(err, zip.ErrInsecurePath):
		for _, zf := range zr.File {
			if err := b.add(&file{name: zf.Name, size: zf.UncompressedSize64, open: zf.Open}); err != nil {
				errs = append(errs, err)
			}
		}
	case !hasLocalHeader(r, size):
		return nil, fmt.Errorf("bundle: %s: not a bundle: %w", name, err)
	default:
		// No readable central directory: a capture cut short. Recover the
		// complete entries from their local headers.
		errs = append(errs, fmt.Errorf("bundle: %s: zip directory unreadable (%w), entries recovered by scanning", name, err))
		errs = append(errs, b.salvage(r, size)...)
		if len(b.files) == 0 {
			return nil, errors.Join(errs...)
		}
	}
	if err := b.readManifest(); err != nil {
		errs = append(errs, err)
	}
	b.index()
	return b, errors.Join(errs...)
}

// MaxDirectoryBytes bounds the zip central directory Read accepts: 1 MiB
// holds over 10,000 entries, a bundle has about 15. archive/zip would
// otherwise allocate a File for each of millions of directory records.
const MaxDirectoryBytes = 1 << 20

// checkDirectory finds the end-of-central-directory record and refuses a
// directory larger than MaxDirectoryBytes, or one that needs zip64 (a
// bundle never does). A missing record is not an error here: zip.NewReader
// reports it, and salvage may still recover entries.
func checkDirectory(r io.ReaderAt, size int64) error {
	const eocdLen = 22
	tail := min(size, eocdLen+0xffff) // the record plus the longest comment
	if tail < eocdLen {
		return nil
	}
	buf := make([]byte, tail)
	if err := readFullAt(r, buf, size-tail); err != nil {
		return nil
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return nil
	}
	cdSize := uint32(buf[i+12]) | uint32(buf[i+13])<<8 | uint32(buf[i+14])<<16 | uint32(buf[i+15])<<24
	count := uint16(buf[i+10]) | uint16(buf[i+11])<<8
	if cdSize == 0xffffffff || count == 0xffff {
		return fmt.Errorf("zip64 directory: a bundle never needs one")
	}
	if cdSize > MaxDirectoryBytes {
		return fmt.Errorf("zip directory of %d bytes (%d entries) exceeds the %d bytes a bundle can need", cdSize, count, MaxDirectoryBytes)
	}
	return nil
}

// index builds entries and byKind: the manifest's entries, then the files
// it does not list.
func (b *Reader) index() {
	b.entries = make([]Entry, 0, len(b.Manifest.Entries)+len(b.order))
	listed := make(map[string]bool, len(b.Manifest.Entries))
	for _, e := range b.Manifest.Entries {
		b.entries = append(b.entries, e)
		listed[e.Name] = true
	}
	for _, f := range b.order {
		if listed[f.name] {
			continue
		}
		b.entries = append(b.entries, Entry{Name: f.name, Kind: KindOf(f.name), Bytes: int64(min(f.size, 1<<62))})
	}
	b.byKind = make(map[Kind]int)
	for i, e := range b.entries {
		if _, seen := b.byKind[e.Kind]; !seen && b.files[e.Name] != nil {
			b.byKind[e.Kind] = i
		}
	}
}

func (b *Reader) readManifest() error {
	if _, ok := b.files[ManifestName]; !ok {
		return fmt.Errorf("bundle: %s: no %s (entry kinds inferred from names): %w", b.Name, ManifestName, fs.ErrNotExist)
	}
	data, err := b.ReadFile(ManifestName, MaxManifestBytes)
	if err != nil {
		return err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("bundle: %s: entry %s: %w", b.Name, ManifestName, err)
	}
	b.Manifest = m
	if m.Schema > SchemaVersion {
		return fmt.Errorf("bundle: %s: entry %s: schema %d is newer than the supported %d; fields may be missing",
			b.Name, ManifestName, m.Schema, SchemaVersion)
	}
	return nil
}

// kindByName maps default entry names back to kinds.
var kindByName = func() map[string]Kind {
	m := make(map[string]Kind)
	for _, k := range []Kind{KindGoroutineText, KindGoroutineProfile, KindGoroutineLeak, KindHeap, KindAllocs,
		KindBlock, KindMutex, KindThreadcreate, KindCPU, KindFgprof, KindTrace, KindMetrics, KindGCTrace} {
		m[DefaultName(k)] = k
	}
	return m
}()

// KindOf infers an entry's kind from its name: the kind whose DefaultName it
// is, else KindOther.
func KindOf(name string) Kind {
	if k, ok := kindByName[name]; ok {
		return k
	}
	return KindOther
}

// Entries returns the manifest's entries (including failed captures, which
// have Error set and no file) followed by the files present in the zip that
// the manifest does not list, with Kind from KindOf and Bytes from the zip
// directory. A manifest may list a name or a kind more than once; each
// listing is returned. It returns a new slice on each call; cost O(entries).
func (b *Reader) Entries() []Entry {
	return slices.Clone(b.entries)
}

// Lookup returns the first entry of kind whose file is present in the
// bundle. ok is false when there is none; a capture that failed is still
// listed by Entries with its Error. Cost: O(1).
func (b *Reader) Lookup(kind Kind) (e Entry, ok bool) {
	i, ok := b.byKind[kind]
	if !ok {
		return Entry{}, false
	}
	return b.entries[i], true
}

// Open opens the entry called name for reading. A corrupt entry shows as a
// read error naming the bundle and the entry, at the latest at the end of the
// data (CRC check). A missing entry's error wraps fs.ErrNotExist.
func (b *Reader) Open(name string) (io.ReadCloser, error) {
	f := b.files[name]
	if f == nil {
		return nil, fmt.Errorf("bundle: %s: entry %s: %w", b.Name, name, fs.ErrNotExist)
	}
	rc, err := f.open()
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: entry %s: %w", b.Name, name, err)
	}
	return &entryReader{rc: rc, prefix: "bundle: " + b.Name + ": entry " + name}, nil
}

// entryReader names the bundle and entry in read errors.
type entryReader struct {
	rc     io.ReadCloser
	prefix string
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.rc.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", e.prefix, err)
	}
	return n, err
}

func (e *entryReader) Close() error { return e.rc.Close() }

// ReadFile returns the content of the entry called name. It fails, naming the
// bundle and the entry, when the content is larger than limit bytes (checked
// while reading, so a lying zip header cannot make it allocate more; the
// error wraps ErrTooLarge), when the entry is corrupt (bad CRC, bad
// compressed data) or missing. limit <= 0 means the Reader's Limit. Cost: one read and decompression of the entry.
func (b *Reader) ReadFile(name string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = b.limit()
	}
	f := b.files[name]
	if f == nil {
		return nil, fmt.Errorf("bundle: %s: entry %s: %w", b.Name, name, fs.ErrNotExist)
	}
	if f.size > uint64(limit) {
		return nil, fmt.Errorf("bundle: %s: entry %s: %d bytes exceeds the limit of %d bytes: %w", b.Name, name, f.size, limit, ErrTooLarge)
	}
	rc, err := b.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	// The header may lie: start small and grow with the data, so that a
	// read costs what it reads.
	buf.Grow(int(min(f.size, 1<<20)))
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("bundle: %s: entry %s: more than the limit of %d bytes: %w", b.Name, name, limit, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

func (b *Reader) limit() int64 {
	if b.Limit > 0 {
		return b.Limit
	}
	return DefaultReadLimit
}

// Verify reads every entry present and reports, joined, an error for each one
// that is corrupt (bad CRC or compressed data) or larger than the Reader's
// Limit. Cost: reading and decompressing the whole bundle once,
// without holding it in memory.
func (b *Reader) Verify() error {
	var errs []error
	for _, f := range b.order {
		rc, err := b.Open(f.name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, b.limit()+1))
		rc.Close()
		if err == nil && n > b.limit() {
			err = fmt.Errorf("bundle: %s: entry %s: more than the limit of %d bytes: %w", b.Name, f.name, b.limit(), ErrTooLarge)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Metrics decodes the metrics history (the first KindMetrics entry present),
// read through Limit. The error wraps fs.ErrNotExist when the bundle has
// none.
func (b *Reader) Metrics() (*MetricsHistory, error) {
	e, ok := b.Lookup(KindMetrics)
	if !ok {
		return nil, fmt.Errorf("bundle: %s: no %s entry: %w", b.Name, KindMetrics, fs.ErrNotExist)
	}
	data, err := b.ReadFile(e.Name, 0)
	if err != nil {
		return nil, err
	}
	var h MetricsHistory
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("bundle: %s: entry %s: %w", b.Name, e.Name, err)
	}
	return &h, nil
}

// Close closes the file opened by Open; for a Reader from Read it does
// nothing.
func (b *Reader) Close() error {
	if b.closer == nil {
		return nil
	}
	err := b.closer.Close()
	b.closer = nil
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", b.Name, err)
	}
	return nil
}
