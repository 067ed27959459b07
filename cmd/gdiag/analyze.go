package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/html"
	"github.com/gdiag/gdiag/report/text"
)

func runAnalyze(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("analyze", "FILE... (- for stdin)", stderr)
	var (
		filterExpr = fs.String("filter", "", "keep goroutines whose function, file:line, state, creator or label matches this regular expression")
		failOn     = fs.String("fail-on", "", "exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical)")
		load       = addLoadFlags(fs) // limits.go: --workers, --max-input, --max-profile, --max-goroutines
		// diff.go: --top, --similarity, --top-frames, --ignore, --all-buckets, --quiescent, --pile-up, --long-wait
		leak = addLeakFlags(fs, leaks.DefaultTop, "number of goroutine buckets to list; when given, also of findings the text view shows in full (default 5) (-1 = all)")
		out  = briefOutputFlags(fs, leak.top)
	)
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "gdiag analyze: no input files (use - for standard input)")
		fs.Usage()
		return exitUsage
	}
	opts := analyzer.Options{MainModules: leak.modules}
	if opts.Leaks, err = leak.options(); err != nil {
		fmt.Fprintf(stderr, "gdiag analyze: %v\n", err)
		return exitUsage
	}
	if *filterExpr != "" {
		if opts.Leaks.Filter, err = regexp.Compile(*filterExpr); err != nil {
			fmt.Fprintf(stderr, "gdiag analyze: --filter: %v\n", err)
			return exitUsage
		}
	}
	threshold, err := severityFlag(*failOn)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag analyze: --fail-on: %v\n", err)
		return exitUsage
	}
	if err := out.validate(); err != nil {
		fmt.Fprintf(stderr, "gdiag analyze: %v\n", err)
		return exitUsage
	}

	inputs, code := loadAll(files, stdin, stderr, load)
	if inputs == nil {
		return code
	}
	return finish("analyze", analyzer.Analyze(inputs, opts), out, stdout, stderr, code, threshold)
}

// finish writes the report of command cmd and returns its exit code:
// exitUsage when the report cannot be written, code when some input was
// unreadable, exitFindings when a finding reaches threshold (nil: never),
// else exitOK.
func finish(cmd string, rep *report.Report, out output, stdout, stderr io.Writer, code int, threshold *report.Severity) int {
	if err := out.write(rep, stdout); err != nil {
		fmt.Fprintf(stderr, "gdiag %s: %v\n", cmd, err)
		return exitUsage
	}
	if code != exitOK {
		return code
	}
	if threshold != nil && slices.ContainsFunc(rep.Findings, func(f report.Finding) bool { return f.Severity >= *threshold }) {
		return exitFindings
	}
	return exitOK
}

// severityFlag parses a --fail-on value; nil when it is unset.
func severityFlag(s string) (*report.Severity, error) {
	if s == "" {
		return nil, nil
	}
	var v report.Severity
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return nil, err
	}
	return &v, nil
}

// loadAll loads every file, reporting problems on stderr. It returns nil and
// exitUsage when no input could be used at all; a file that cannot be read
// at all, or that stopped at a limit (--max-input and the like), also makes
// the exit code exitUsage, while partly readable files are analysed with
// warnings.
func loadAll(files []string, stdin io.Reader, stderr io.Writer, load *loadFlags) ([]*analyzer.Input, int) {
	var inputs []*analyzer.Input
	code := exitOK
	base, err := load.options(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag: %v\n", err)
		return nil, exitUsage
	}
	for _, f := range files {
		opts := base
		opts.Progress = progress(f, stderr)
		in, err := analyzer.Load(f, opts)
		if in != nil && isLimit(err, in.Warnings) || in == nil && isLimit(err, nil) {
			code = exitUsage
		}
		if err != nil {
			if in == nil || (in.Goroutines == nil && in.Leaked == nil && in.Manifest == nil && len(in.Profiles) == 0 && in.Metrics == nil && in.GCTrace == nil) {
				fmt.Fprintf(stderr, "gdiag: %s\n", term.SanitizeLines(err.Error()))
				code = exitUsage
				continue
			}
			in.Warnings = append(in.Warnings, err)
		}
		for _, w := range in.Warnings {
			fmt.Fprintf(stderr, "gdiag: warning: %s\n", term.SanitizeLines(w.Error()))
		}
		inputs = append(inputs, in)
	}
	if len(inputs) == 0 {
		return nil, exitUsage
	}
	return inputs, code
}

// progress returns a progress callback that prints to stderr when stderr is a
// terminal and the input is large, or nil.
func progress(name string, stderr io.Writer) func(read, total int64) {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(read, total int64) {
		if total > 0 && total < 64<<20 {
			return
		}
		if total > 0 {
			fmt.Fprintf(stderr, "\rreading %s: %d/%d MiB (%.0f%%)", name, read>>20, total>>20, 100*float64(read)/float64(total))
			if read >= total {
				fmt.Fprintln(stderr)
			}
			return
		}
		fmt.Fprintf(stderr, "\rreading %s: %d MiB", name, read>>20)
	}
}

// output holds the flags shared by the commands that print a report:
// --format, -o, --color and -v.
type output struct {
	format  *string
	file    *string
	color   *term.ColorMode
	verbose *bool
	// brief selects the short text view by default (analyze, diff, demo);
	// the other commands print every section, which is their answer.
	brief bool
	// fs and top, when set, make an explicit --top also the number of
	// findings the short text view shows in full.
	fs  *flag.FlagSet
	top *int
}

func outputFlags(fs *flag.FlagSet) output {
	o := output{
		format:  fs.String("format", "text", "output format: text, json or html"),
		file:    fs.String("o", "", "write the report to this file instead of standard output"),
		color:   new(term.ColorMode),
		verbose: fs.Bool("v", false, "text output: print every finding in full (evidence, metrics, goroutine ids) and every section and table"),
	}
	fs.Var(o.color, "color", "colour `mode` of text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	return o
}

// briefOutputFlags is outputFlags for the commands whose text output is the
// short view unless -v is given; an explicit top also sets how many findings
// it shows in full.
func briefOutputFlags(fs *flag.FlagSet, top *int) output {
	o := outputFlags(fs)
	o.brief, o.fs, o.top = true, fs, top
	return o
}

func (o output) validate() error {
	switch *o.format {
	case "text", "json", "html":
		return nil
	}
	return fmt.Errorf("--format: unknown format %q (want text, json or html)", *o.format)
}

func (o output) write(r *report.Report, stdout io.Writer) (err error) {
	w := stdout
	if *o.file != "" {
		f, err := os.Create(*o.file)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	switch *o.format {
	case "json":
		return report.WriteJSON(w, r)
	case "html":
		return html.Write(w, r)
	}
	return text.Write(w, r, o.textOptions(w))
}

// textOptions lays text out for w: the terminal's width and colour when w
// is one (see terminal), the flags' choice of view.
func (o output) textOptions(w io.Writer) text.Options {
	width, color := terminal(w, *o.color)
	opts := text.Options{Width: width, Color: color, Verbose: *o.verbose || !o.brief}
	if o.fs != nil && o.top != nil {
		o.fs.Visit(func(f *flag.Flag) {
			if f.Name == "top" {
				opts.Top = *o.top
			}
		})
	}
	return opts
}
