package analyzer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/stack"
)

// loadBundle reads a gdiag bundle. src is the caller's original reader: when
// it is an io.ReaderAt of known size the zip is read in place, otherwise the
// buffered stream br is read into memory (bounded).
func loadBundle(in *Input, name string, br io.Reader, src io.Reader, size int64, opts LoadOptions) error {
	in.Kind = KindBundle
	var ra io.ReaderAt
	if at, ok := src.(io.ReaderAt); ok && size > 0 {
		ra = at
	} else {
		lr := &io.LimitedReader{R: br, N: opts.maxBytes() + 1}
		b, err := io.ReadAll(lr)
		if err != nil {
			return fmt.Errorf("analyzer: %s: %w", name, err)
		}
		if lr.N <= 0 {
			return fmt.Errorf("analyzer: %s: bundle larger than %d bytes", name, opts.maxBytes())
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	b, err := bundle.Read(ra, size, name)
	if b == nil {
		return fmt.Errorf("analyzer: %w", err)
	}
	defer b.Close()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !hasBundleEntry(b) {
			// A zip, but not one gdiag wrote: reading it as an empty
			// bundle would report "No findings.".
			return fmt.Errorf("analyzer: %s: %w: a zip file without %s and with no entry gdiag reads (%s): not a gdiag bundle",
				name, ErrNothingRead, bundle.ManifestName, entryNames(b, 5))
		}
		in.Warnings = append(in.Warnings, err)
	}
	m := b.Manifest
	in.Manifest = &m
	in.Profiles = map[bundle.Kind]*profile.Profile{}

	var text, proto *bundle.Entry
	for _, e := range b.Entries() {
		if e.Error != "" {
			in.Warnings = append(in.Warnings, fmt.Errorf("%s: entry %s was not captured: %s", name, e.Name, e.Error))
			continue
		}
		e := e
		switch e.Kind {
		case bundle.KindGoroutineText:
			text = &e
		case bundle.KindGoroutineProfile:
			proto = &e
			p, err := readProfile(b, e, opts)
			if err != nil {
				in.Warnings = append(in.Warnings, err)
				continue
			}
			in.Profiles[e.Kind] = p
		case bundle.KindMetrics:
			h, err := b.Metrics()
			if err != nil {
				in.Warnings = append(in.Warnings, err)
				continue
			}
			in.Metrics = h
		case bundle.KindGCTrace:
			data, err := b.ReadFile(e.Name, opts.maxBytes())
			if err != nil {
				in.Warnings = append(in.Warnings, err)
				continue
			}
			in.GCTrace = data
		case bundle.KindTrace, bundle.KindOther:
			// Kept in the bundle for `go tool trace`; not analysed here.
		default:
			p, err := readProfile(b, e, opts)
			if err != nil {
				in.Warnings = append(in.Warnings, err)
				continue
			}
			in.Profiles[e.Kind] = p
			if e.Kind == bundle.KindGoroutineLeak {
				in.Leaked = FromProfile(p)
			}
		}
	}
	// The text dump has ids, states and wait times; the proto is the
	// fallback when the stop-the-world guard skipped the text dump.
	if text != nil {
		rc, err := b.Open(text.Name)
		if err != nil {
			in.Warnings = append(in.Warnings, err)
		} else {
			snap, perr := stack.Parse(rc, stack.ParseOptions{Workers: opts.Workers})
			rc.Close()
			if perr != nil {
				in.Warnings = append(in.Warnings, fmt.Errorf("%s: entry %s: %w", name, text.Name, perr))
			}
			if snap != nil && snap.Total > 0 {
				in.Goroutines = snap
			}
		}
	}
	if in.Goroutines == nil && proto != nil {
		if p, ok := in.Profiles[bundle.KindGoroutineProfile]; ok {
			in.Goroutines = FromProfile(p)
		}
	}
	return nil
}

func readProfile(b *bundle.Reader, e bundle.Entry, opts LoadOptions) (*profile.Profile, error) {
	data, err := b.ReadFile(e.Name, opts.maxBytes())
	if err != nil {
		return nil, err
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: entry %s: %w", b.Name, e.Name, err)
	}
	return p, nil
}

// hasBundleEntry reports whether b holds an entry of a kind gdiag reads (a
// bundle cut short before its manifest was written still does).
func hasBundleEntry(b *bundle.Reader) bool {
	for _, e := range b.Entries() {
		if e.Kind != bundle.KindOther {
			return true
		}
	}
	return false
}

// entryNames lists up to n entry names of b for an error message.
func entryNames(b *bundle.Reader, n int) string {
	es := b.Entries()
	if len(es) == 0 {
		return "no entries"
	}
	var names []string
	for i, e := range es {
		if i == n {
			names = append(names, fmt.Sprintf("and %d more", len(es)-n))
			break
		}
		names = append(names, e.Name)
	}
	return "holds " + strings.Join(names, ", ")
}
