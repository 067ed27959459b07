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
	"github.com/gdiag/gdiag/internal/limit"
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
		b, err := limit.ReadAll(br, opts.maxInput(), name, FlagMaxInput)
		if err != nil {
			return fmt.Errorf("analyzer: %w", err) // ReadAll names the input
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	b, err := bundle.Read(ra, size, name)
	if b == nil {
		return fmt.Errorf("analyzer: %w", err)
	}
	defer b.Close()
	b.Limit = opts.maxInput()
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
	// Each name and each kind is loaded once: a manifest that repeats them
	// (only a hostile or broken one does) costs one pass over its list.
	seenName := map[string]bool{}
	seenKind := map[bundle.Kind]bool{}
	dups := 0
	for _, e := range b.Entries() {
		if e.Error != "" {
			if !seenName[e.Name] && len(in.Warnings) < maxBundleWarnings {
				in.Warnings = append(in.Warnings, fmt.Errorf("%s: entry %s was not captured: %s", name, e.Name, e.Error))
			}
			seenName[e.Name] = true
			continue
		}
		if seenName[e.Name] || (seenKind[e.Kind] && e.Kind != bundle.KindOther) {
			dups++
			continue
		}
		seenName[e.Name], seenKind[e.Kind] = true, true
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
				in.Warnings = append(in.Warnings, limitHint(err))
				continue
			}
			in.Metrics = h
		case bundle.KindGCTrace:
			data, err := b.ReadFile(e.Name, 0)
			if err != nil {
				in.Warnings = append(in.Warnings, limitHint(err))
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
	if dups > 0 {
		in.Warnings = append(in.Warnings, fmt.Errorf("%s: %s lists %d entries twice or more (same name or kind); the first of each was loaded", name, bundle.ManifestName, dups))
	}
	// The text dump has ids, states and wait times; the proto is the
	// fallback when the stop-the-world guard skipped the text dump.
	if text != nil {
		rc, err := b.Open(text.Name)
		if err != nil {
			in.Warnings = append(in.Warnings, err)
		} else {
			snap, perr := parseDump(rc, name+": entry "+text.Name, opts)
			rc.Close()
			switch {
			case errors.Is(perr, limit.ErrExceeded):
				in.Warnings = append(in.Warnings, perr)
			case perr != nil:
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

// maxBundleWarnings bounds the per-entry warnings of one bundle.
const maxBundleWarnings = 100

// limitHint adds the flag that raises the limit to a bundle read that
// stopped at it.
func limitHint(err error) error {
	if errors.Is(err, bundle.ErrTooLarge) {
		return fmt.Errorf("%w, raise with %s", err, FlagMaxInput)
	}
	return err
}

func readProfile(b *bundle.Reader, e bundle.Entry, opts LoadOptions) (*profile.Profile, error) {
	data, err := b.ReadFile(e.Name, 0)
	if err != nil {
		return nil, limitHint(err)
	}
	p, err := parseProfile(data, b.Name+": entry "+e.Name, opts)
	if errors.Is(err, limit.ErrExceeded) {
		return nil, err
	}
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
