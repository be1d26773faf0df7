package cli

// Flag parsing shared by the verbs: flags anywhere among positional
// arguments (`accord check FILE --stream orders`), --help on stdout (so
// `accord apply --help | less` works) and flags listed as --flag, as the
// README writes them.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
)

// parseArgs parses flags wherever they appear among positional arguments
// (the standard flag package stops at the first positional one). "--"
// ends flag parsing. It returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set whose usage prints text (a synopsis and
// examples) before the flags. Parse errors go to stderr; see parseVerb
// for where the usage goes.
func (r *runner) newFlagSet(name, text string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { r.printUsage(fs.Output(), fs, text) }
	return fs
}

// printUsage writes text and the flags of fs to w.
func (r *runner) printUsage(w io.Writer, fs *flag.FlagSet, text string) {
	fmt.Fprint(w, text)
	fmt.Fprintln(w, "\nFlags:")
	PrintFlags(w, fs)
}

// longFlag matches the start of a flag line of PrintDefaults whose name
// is longer than one letter.
var longFlag = regexp.MustCompile(`(?m)^  -(\w\w)`)

// PrintFlags writes the flags of fs as flag.PrintDefaults does, but
// names longer than one letter with two dashes (--dry-run; -f stays -f).
// The flag package accepts both spellings.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	var buf bytes.Buffer
	out := fs.Output()
	fs.SetOutput(&buf)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprint(w, LongFlags(buf.String()))
}

// LongFlags rewrites the flag lines of a usage text written by
// flag.PrintDefaults so that names longer than one letter have two dashes.
func LongFlags(usage string) string {
	return longFlag.ReplaceAllString(usage, "  --$1")
}

// parseVerb parses args for a verb; done is true when the verb should
// exit at once with code: --help (usage on stdout, exit 0) or a flag
// error (the error and the usage on stderr, exit 2).
func (r *runner) parseVerb(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	var usageOut bytes.Buffer
	usage := fs.Usage
	fs.Usage = func() {
		out := fs.Output()
		fs.SetOutput(&usageOut)
		usage()
		fs.SetOutput(out)
	}
	defer func() { fs.Usage = usage }()
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = r.stdout.Write(usageOut.Bytes())
			return nil, exitOK, true
		}
		_, _ = r.stderr.Write(usageOut.Bytes())
		return nil, exitUsage, true
	}
	return pos, 0, false
}
