package main

// TestReadmeWalkthrough runs the README's walk-through as a reader pastes
// it: every command between `<!-- walkthrough:begin -->` and
// `<!-- walkthrough:end -->`, in order, against a new `accord serve` on
// 127.0.0.1 (data in a fresh folder), from an empty working folder. Each
// output shown under a command (its `# ` lines right after it, `…` for
// text left out) must be what the command prints.
//
// The commands are read as a shell reads them (quotes, backslash
// continuations, heredocs) and run without a shell: curl (the options the
// README uses) with net/http, accord in-process through cli.Run, mkdir -p
// and cat > FILE <<'EOF' with the os package. Anything else fails the
// test, so the walk-through cannot use what the test does not check.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// readmeURL is the server address the README's commands use.
const readmeURL = "http://127.0.0.1:8081"

// walkStep is one command of the walk-through.
type walkStep struct {
	line    int      // in README.md, for messages
	args    []string // the command's words
	heredoc string   // the text of <<'EOF' … EOF, when there is one
	want    []string // the output lines shown, nil when none is shown
}

func TestReadmeWalkthrough(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseWalkthrough(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) < 20 {
		t.Fatalf("found %d commands in the README's walk-through: are the markers there?", len(steps))
	}
	srv := startAccord(t, "--data-dir", t.TempDir())
	base := "http://" + srv.addr
	t.Chdir(t.TempDir())
	for _, s := range steps {
		got, ok, err := runWalkStep(t, s, base)
		if err != nil {
			t.Fatalf("README.md:%d: %s: %v", s.line, strings.Join(s.args, " "), err)
		}
		got = strings.TrimRight(strings.ReplaceAll(got, base, readmeURL), "\n")
		switch {
		case s.want != nil && !outputMatches(strings.Join(s.want, "\n"), got):
			t.Errorf("README.md:%d: %s\nprints:\n%s\nthe README shows:\n%s", s.line, strings.Join(s.args, " "), got, strings.Join(s.want, "\n"))
		case s.want == nil && !ok:
			t.Errorf("README.md:%d: %s failed, and the README shows no output:\n%s", s.line, strings.Join(s.args, " "), got)
		}
	}
}

// runWalkStep runs s and returns what it printed and whether it
// succeeded (exit 0, or a 2xx answer for curl).
func runWalkStep(t *testing.T, s walkStep, base string) (string, bool, error) {
	switch s.args[0] {
	case "mkdir":
		if len(s.args) != 3 || s.args[1] != "-p" {
			return "", false, fmt.Errorf("only mkdir -p DIR is supported")
		}
		return "", true, os.MkdirAll(s.args[2], 0o755)
	case "cat":
		if len(s.args) != 4 || s.args[1] != ">" || s.args[3] != "<<'EOF'" {
			return "", false, fmt.Errorf("only cat > FILE <<'EOF' is supported")
		}
		return "", true, os.WriteFile(s.args[2], []byte(s.heredoc), 0o644)
	case "curl":
		return curl(s.args[1:], base)
	case "accord":
		stdout, stderr, code := runCLI(t, []string{"ACCORD_URL=" + base}, s.args[1:]...)
		return stdout + stderr, code == 0, nil
	}
	return "", false, fmt.Errorf("the test cannot run %s", s.args[0])
}

// curl does what curl does with the options the README uses: -s, -X
// METHOD, -H 'Name: value', --data BODY and -u USER:PASSWORD, and prints
// the answer's body.
func curl(args []string, base string) (string, bool, error) {
	method, body, url := "", "", ""
	header := http.Header{}
	var user, password string
	hasBody := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			i++
			if i < len(args) {
				return args[i]
			}
			return ""
		}
		switch {
		case a == "-s":
		case a == "-X":
			method = next()
		case a == "-H":
			k, v, _ := strings.Cut(next(), ":")
			header.Add(k, strings.TrimSpace(v))
		case a == "--data" || a == "-d":
			body, hasBody = next(), true
		case a == "-u":
			user, password, _ = strings.Cut(next(), ":")
		case strings.HasPrefix(a, "http://"):
			url = strings.Replace(a, readmeURL, base, 1)
		default:
			return "", false, fmt.Errorf("curl option %q is not supported by the test", a)
		}
	}
	if method == "" {
		method = "GET"
		if hasBody {
			method = "POST"
		}
	}
	var rd io.Reader
	if hasBody {
		rd = strings.NewReader(body)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl does
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		return "", false, err
	}
	req.Header = header
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return string(out), resp.StatusCode/100 == 2, err
}

// outputMatches reports whether got is want, where each … in want stands
// for any text (newlines included).
func outputMatches(want, got string) bool {
	parts := strings.Split(want, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`^(?s:` + strings.Join(parts, ".*") + `)$`).MatchString(got)
}

// parseWalkthrough reads the commands of the README's walk-through
// blocks: indented (4 spaces) code between the markers. A `#` line right
// after a command (no blank line between) is a line of its output; other
// `#` lines are comments.
func parseWalkthrough(readme string) ([]walkStep, error) {
	var steps []walkStep
	in, collecting := false, false
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch strings.TrimSpace(line) {
		case "<!-- walkthrough:begin -->":
			in = true
			continue
		case "<!-- walkthrough:end -->":
			in, collecting = false, false
			continue
		}
		code, isCode := strings.CutPrefix(line, "    ")
		if !in || !isCode || strings.TrimSpace(code) == "" {
			collecting = false
			continue
		}
		if strings.HasPrefix(code, "#") {
			if collecting {
				out := strings.TrimPrefix(strings.TrimPrefix(code, "#"), " ")
				steps[len(steps)-1].want = append(steps[len(steps)-1].want, out)
			}
			continue
		}
		start := i + 1
		text := code
		for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, `\`) + strings.TrimPrefix(lines[i], "    ")
		}
		args, err := shellWords(text)
		if err != nil {
			return nil, fmt.Errorf("README.md:%d: %w", start, err)
		}
		s := walkStep{line: start, args: args}
		if n := len(args); n > 0 && args[n-1] == "<<'EOF'" {
			var body strings.Builder
			for i++; i < len(lines) && lines[i] != "    EOF"; i++ {
				body.WriteString(strings.TrimPrefix(lines[i], "    ") + "\n")
			}
			s.heredoc = body.String()
		}
		steps = append(steps, s)
		collecting = true
	}
	return steps, nil
}

// shellWords splits a command line as a POSIX shell does for the quoting
// the README uses: single quotes, double quotes (with \" \\ \$ \`
// escapes), backslash escapes, and a trailing # comment. A heredoc
// operator stays one word, quotes included.
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case strings.HasPrefix(line[i:], "<<'EOF'"):
			words = append(words, "<<'EOF'")
			i += len("<<'EOF'") - 1
			continue
		case c == '#' && !inWord:
			return words, nil
		case unicode.IsSpace(rune(c)):
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
			continue
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %s", line)
			}
			w.WriteString(line[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				w.WriteByte(line[i])
			}
			if i == len(line) {
				return nil, fmt.Errorf("unterminated \" in %s", line)
			}
		case c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
		default:
			w.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// TestShellWords pins the quoting rules the walk-through relies on.
func TestShellWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`curl -s http://x/y`, []string{"curl", "-s", "http://x/y"}},
		{`a 'b c' "d \"e\" \\ f" g\ h`, []string{"a", "b c", `d "e" \ f`, "g h"}},
		{`--data '{"s":"{\"t\":1}"}'`, []string{"--data", `{"s":"{\"t\":1}"}`}},
		{`accord check x --stream orders   # a comment`, []string{"accord", "check", "x", "--stream", "orders"}},
		{`cat > f.avsc <<'EOF'`, []string{"cat", ">", "f.avsc", "<<'EOF'"}},
		{`a#b`, []string{"a#b"}},
	} {
		got, err := shellWords(c.in)
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("shellWords(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if !outputMatches(`{"a":1,…}`, `{"a":1,"b":2}`) || outputMatches(`{"a":1}`, `{"a":1,"b":2}`) || !outputMatches("x\n…\nz", "x\ny\ny\nz") {
		t.Error("outputMatches")
	}
}
