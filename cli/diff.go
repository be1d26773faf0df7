package cli

// Schema diffs in plans: a line diff of the registered schema and the
// local file.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// schemaDiff is a line diff of the registered schema and the file, JSON
// schemas indented first so that a compact registered text compares line
// by line.
func schemaDiff(old, new, subject string, version int, file string) string {
	pretty := func(s string) []string {
		var buf bytes.Buffer
		if json.Indent(&buf, []byte(s), "", "  ") == nil {
			s = buf.String()
		}
		return strings.Split(strings.TrimRight(s, "\n"), "\n")
	}
	a, b := pretty(old), pretty(new)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s version %d\n+++ %s\n", subject, version, file)
	for _, l := range lineDiff(a, b) {
		out.WriteString(l + "\n")
	}
	return out.String()
}

// lineDiff returns the lines of an LCS diff ("-", "+" or " " prefixed),
// with unchanged runs longer than 3 lines elided.
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, "  "+a[i])
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, "+ "+b[j])
			j++
		default:
			ops = append(ops, "- "+a[i])
			i++
		}
	}
	// Keep one line of context around changes.
	var out []string
	for k, l := range ops {
		near := false
		for d := -1; d <= 1; d++ {
			if k+d >= 0 && k+d < len(ops) && ops[k+d][0] != ' ' {
				near = true
			}
		}
		switch {
		case near:
			out = append(out, l)
		case len(out) == 0 || out[len(out)-1] != "  ...":
			out = append(out, "  ...")
		}
	}
	return out
}
