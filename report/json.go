package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// WriteJSON writes r as indented JSON (two spaces, one value followed by a
// newline) with Schema set to SchemaVersion. The field order is the struct
// order and Metrics keys are sorted, so equal reports give equal bytes. Empty
// lists are written as [] rather than omitted or null for inputs, findings,
// sections, table columns and rows. Metrics that are NaN or ±Inf, which JSON
// cannot represent, are omitted. The contract is documented in docs/json.md.
//
// WriteJSON does not modify r. HTML characters are not escaped (the output
// is for tools, not for embedding in a page).
func WriteJSON(w io.Writer, r *Report) error {
	c := r.Normalized()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("report: writing json: %w", err)
	}
	return nil
}

// ReadJSON decodes a report written by WriteJSON. It fails on malformed JSON
// and on a schema newer than SchemaVersion; unknown fields are ignored, as
// the contract allows new fields at any time.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("report: reading json: %w", err)
	}
	if r.Schema > SchemaVersion {
		return &r, fmt.Errorf("report: reading json: schema %d is newer than the supported %d", r.Schema, SchemaVersion)
	}
	return &r, nil
}

// Normalized returns the copy of r that WriteJSON encodes and the renderers
// (report/text, report/html) draw: Schema set to SchemaVersion, nil lists made
// empty, metrics that are NaN or ±Inf dropped. r and its slices are not
// modified.
func (r *Report) Normalized() Report {
	c := *r
	c.Schema = SchemaVersion
	c.Inputs = nonNil(c.Inputs)
	c.Findings = append(make([]Finding, 0, len(r.Findings)), r.Findings...)
	for i, f := range c.Findings {
		if len(f.Metrics) == 0 {
			continue
		}
		m := make(map[string]float64, len(f.Metrics))
		for k, v := range f.Metrics {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m[k] = v
			}
		}
		c.Findings[i].Metrics = m
	}
	c.Sections = append(make([]Section, 0, len(r.Sections)), r.Sections...)
	for i, s := range c.Sections {
		tabs := append(make([]Table, 0, len(s.Tables)), s.Tables...)
		for j, t := range tabs {
			tabs[j].Columns = nonNil(t.Columns)
			rows := append(make([][]string, 0, len(t.Rows)), t.Rows...)
			for k, row := range rows {
				rows[k] = nonNil(row)
			}
			tabs[j].Rows = rows
		}
		if len(tabs) == 0 {
			tabs = nil // omitempty
		}
		c.Sections[i].Tables = tabs
	}
	return c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
