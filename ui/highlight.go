package ui

// Syntax highlighting and display forms of schemas. Avro and JSON Schema
// are JSON: they are pretty-printed (keys in their original order) while
// recording the line each JSON pointer starts on, so located differences
// ("/fields/1", "#/properties/email") can be shown next to their line.
// Protobuf is shown as stored and its message, enum, field and value
// names are mapped to lines by a small scanner over the tokens.
//
// The tokenizers never fail: any input (a malformed schema, a fuzzer's
// bytes) comes back as spans whose texts concatenate to the input, so
// html/template escapes everything and nothing is lost.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Span is a piece of a line with its highlighting class ("" for plain).
type Span struct {
	Class string
	Text  string
}

// Line is one numbered line of code.
type Line struct {
	No    int
	Spans []Span
}

// Code is a schema ready to display: lines of spans and where locations
// (JSON pointers, Protobuf names) start.
type Code struct {
	Lines []Line
	// locs maps a location to its 1-based line.
	locs map[string]int
	typ  string
}

// Span classes, styled by ui.css.
const (
	clsKey     = "k"  // JSON object key
	clsString  = "s"  // string literal
	clsNumber  = "n"  // number
	clsLiteral = "b"  // true, false, null
	clsPunct   = "p"  // punctuation
	clsKeyword = "kw" // Protobuf keyword
	clsType    = "t"  // Protobuf scalar type
	clsComment = "c"  // comment
)

// render prepares schema text of a Confluent schema type for display.
func render(schemaType, text string) Code {
	switch schemaType {
	case "PROTOBUF":
		return Code{Lines: toLines(tokenizeProto(text)), locs: protoLocations(text), typ: schemaType}
	default: // AVRO (the default type) and JSON are JSON documents
		pretty, locs, err := prettyJSON(text)
		if err != nil { // not JSON after all: show it as it is
			return Code{Lines: toLines(tokenizeJSON(text)), locs: map[string]int{}, typ: schemaType}
		}
		return Code{Lines: toLines(tokenizeJSON(pretty)), locs: locs, typ: schemaType}
	}
}

// Text returns the displayed text, one string per line.
func (c Code) Text() []string {
	out := make([]string, len(c.Lines))
	for i, l := range c.Lines {
		var b strings.Builder
		for _, s := range l.Spans {
			b.WriteString(s.Text)
		}
		out[i] = b.String()
	}
	return out
}

// LineOf returns the line a location starts on, 0 when it is not found.
// JSON pointers fall back to their nearest parent that is found (a
// removed field's pointer names the parent's line); Protobuf "Msg#3"
// falls back to the message.
func (c Code) LineOf(loc string) int {
	if c.typ == "PROTOBUF" {
		if n, ok := c.locs[loc]; ok {
			return n
		}
		if name, _, ok := strings.Cut(loc, "#"); ok {
			return c.locs[name]
		}
		return 0
	}
	p := strings.TrimPrefix(loc, "#")
	if p == "/" {
		p = ""
	}
	for {
		if n, ok := c.locs[p]; ok {
			return n
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return 0
		}
		p = p[:i]
	}
}

// toLines splits spans at newlines into numbered lines.
func toLines(spans []Span) []Line {
	lines := []Line{{No: 1}}
	for _, s := range spans {
		text := s.Text
		for {
			i := strings.IndexByte(text, '\n')
			if i < 0 {
				break
			}
			if i > 0 {
				lines[len(lines)-1].Spans = append(lines[len(lines)-1].Spans, Span{s.Class, text[:i]})
			}
			lines = append(lines, Line{No: len(lines) + 1})
			text = text[i+1:]
		}
		if text != "" {
			lines[len(lines)-1].Spans = append(lines[len(lines)-1].Spans, Span{s.Class, text})
		}
	}
	if n := len(lines); n > 1 && len(lines[n-1].Spans) == 0 {
		lines = lines[:n-1] // a final newline does not start a line
	}
	return lines
}

// tokenizeJSON splits text into JSON tokens. Invalid bytes become plain
// spans; the spans' texts always concatenate to text.
func tokenizeJSON(text string) []Span {
	var out []Span
	plainStart := -1
	flush := func(i int) {
		if plainStart >= 0 {
			out = append(out, Span{"", text[plainStart:i]})
			plainStart = -1
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"':
			flush(i)
			j := scanString(text, i)
			cls := clsString
			k := j
			for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r') {
				k++
			}
			if k < len(text) && text[k] == ':' {
				cls = clsKey
			}
			out = append(out, Span{cls, text[i:j]})
			i = j
		case c == '-' || c >= '0' && c <= '9':
			flush(i)
			j := i + 1
			for j < len(text) && strings.IndexByte("0123456789.eE+-", text[j]) >= 0 {
				j++
			}
			out = append(out, Span{clsNumber, text[i:j]})
			i = j
		case strings.IndexByte("{}[],:", c) >= 0:
			flush(i)
			out = append(out, Span{clsPunct, text[i : i+1]})
			i++
		case hasWord(text, i, "true") || hasWord(text, i, "false") || hasWord(text, i, "null"):
			flush(i)
			j := i + 4
			if c == 'f' {
				j = i + 5
			}
			out = append(out, Span{clsLiteral, text[i:j]})
			i = j
		default:
			if plainStart < 0 {
				plainStart = i
			}
			i++
		}
	}
	flush(len(text))
	return out
}

// scanString returns the end (exclusive) of the string literal starting
// with a quote at i: after the closing quote, or at the end of the line
// or text when it is unterminated.
func scanString(text string, i int) int {
	q := text[i]
	j := i + 1
	for j < len(text) {
		switch text[j] {
		case '\\':
			j += 2
			continue
		case q:
			return j + 1
		case '\n':
			return j
		}
		j++
	}
	return len(text)
}

func hasWord(text string, i int, w string) bool {
	if !strings.HasPrefix(text[i:], w) {
		return false
	}
	j := i + len(w)
	return j == len(text) || !isIdent(text[j])
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// prettyJSON re-indents a JSON document (two spaces, keys in their
// original order, strings and numbers as written) and returns the line
// each JSON pointer's value starts on ("" is the whole document).
func prettyJSON(text string) (string, map[string]int, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	p := &jsonPrinter{dec: dec, locs: map[string]int{}, line: 1}
	tok, err := dec.Token()
	if err != nil {
		return "", nil, err
	}
	if err := p.value(tok, "", 0); err != nil {
		return "", nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", nil, errTrailing
	}
	return p.b.String(), p.locs, nil
}

var errTrailing = errors.New("data after the JSON document")

type jsonPrinter struct {
	dec  *json.Decoder
	b    strings.Builder
	locs map[string]int
	line int
}

func (p *jsonPrinter) newline(indent int) {
	p.b.WriteByte('\n')
	p.line++
	p.b.WriteString(strings.Repeat("  ", indent))
}

func (p *jsonPrinter) value(tok json.Token, path string, indent int) error {
	if _, ok := p.locs[path]; !ok {
		p.locs[path] = p.line
	}
	switch v := tok.(type) {
	case json.Delim:
		closer := json.Delim('}')
		if v == '[' {
			closer = ']'
		}
		p.b.WriteString(v.String())
		n := 0
		for p.dec.More() {
			if n > 0 {
				p.b.WriteByte(',')
			}
			p.newline(indent + 1)
			child := path + "/" + strconv.Itoa(n)
			if v == '{' {
				kt, err := p.dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				child = path + "/" + escapePointer(key)
				p.locs[child] = p.line
				p.b.WriteString(quote(key))
				p.b.WriteString(": ")
			}
			vt, err := p.dec.Token()
			if err != nil {
				return err
			}
			if err := p.value(vt, child, indent+1); err != nil {
				return err
			}
			n++
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return err
		}
		if n > 0 {
			p.newline(indent)
		}
		p.b.WriteString(closer.String())
	case string:
		p.b.WriteString(quote(v))
	case json.Number:
		p.b.WriteString(string(v))
	case bool:
		p.b.WriteString(strconv.FormatBool(v))
	case nil:
		p.b.WriteString("null")
	}
	return nil
}

// quote encodes s as a JSON string without HTML escaping (html/template
// escapes on output).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// Protobuf words.
var (
	protoKeywords = setOf("syntax", "edition", "package", "import", "option", "message", "enum", "service", "rpc",
		"returns", "stream", "repeated", "optional", "required", "oneof", "map", "reserved", "extensions", "extend",
		"to", "max", "public", "weak", "group", "true", "false")
	protoTypes = setOf("double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
		"fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes")
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// tokenizeProto splits .proto text into highlighted spans; the spans'
// texts always concatenate to text.
func tokenizeProto(text string) []Span {
	var out []Span
	toks := scanProto(text)
	// fieldName: the identifier names a field (`string reserved = 5;`):
	// the next token that is not space is "=", so a keyword or type
	// spelling is not highlighted as one.
	// A field's name follows its type (an identifier, or the ">" of a
	// map): `syntax = "proto3"` stays a keyword.
	fieldName := func(i int) bool {
		prev := -1
		for j := i - 1; j >= 0; j-- {
			if toks[j].kind != ptSpace && toks[j].kind != ptComment {
				prev = j
				break
			}
		}
		if prev < 0 || !(toks[prev].kind == ptIdent || toks[prev].kind == ptPunct && strings.HasSuffix(toks[prev].text, ">")) {
			return false
		}
		for j := i + 1; j < len(toks); j++ {
			if toks[j].kind != ptSpace {
				return toks[j].kind == ptPunct && strings.HasPrefix(toks[j].text, "=")
			}
		}
		return false
	}
	for i, t := range toks {
		cls := ""
		switch t.kind {
		case ptComment:
			cls = clsComment
		case ptString:
			cls = clsString
		case ptNumber:
			cls = clsNumber
		case ptPunct:
			cls = clsPunct
		case ptIdent:
			switch {
			case fieldName(i):
			case protoKeywords[t.text]:
				cls = clsKeyword
			case protoTypes[t.text]:
				cls = clsType
			}
		}
		if n := len(out); n > 0 && out[n-1].Class == cls && cls == "" {
			out[n-1].Text += t.text
			continue
		}
		out = append(out, Span{cls, t.text})
	}
	return out
}

type protoTokKind int

const (
	ptSpace protoTokKind = iota
	ptComment
	ptString
	ptNumber
	ptIdent
	ptPunct
	ptOther
)

type protoTok struct {
	kind protoTokKind
	text string
	line int
}

// scanProto splits text into tokens, keeping every byte.
func scanProto(text string) []protoTok {
	var out []protoTok
	line := 1
	for i := 0; i < len(text); {
		c := text[i]
		j := i + 1
		kind := ptOther
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			kind = ptSpace
			for j < len(text) && strings.IndexByte(" \t\n\r", text[j]) >= 0 {
				j++
			}
		case c == '/' && j < len(text) && text[j] == '/':
			kind = ptComment
			for j < len(text) && text[j] != '\n' {
				j++
			}
		case c == '/' && j < len(text) && text[j] == '*':
			kind = ptComment
			if k := strings.Index(text[j+1:], "*/"); k >= 0 {
				j = j + 1 + k + 2
			} else {
				j = len(text)
			}
		case c == '"' || c == '\'':
			kind = ptString
			j = scanString(text, i)
		case c >= '0' && c <= '9' || c == '-' && j < len(text) && text[j] >= '0' && text[j] <= '9':
			kind = ptNumber
			for j < len(text) && (isIdent(text[j]) || text[j] == '.') {
				j++
			}
		case isIdent(c) || c == '.':
			kind = ptIdent
			for j < len(text) && (isIdent(text[j]) || text[j] == '.') {
				j++
			}
		case strings.IndexByte("{}[]()<>;,=:", c) >= 0:
			kind = ptPunct
		default:
			// Keep multi-byte characters whole.
			if c >= utf8.RuneSelf {
				_, size := utf8.DecodeRuneInString(text[i:])
				j = i + size
			}
		}
		out = append(out, protoTok{kind, text[i:j], line})
		line += strings.Count(text[i:j], "\n")
		i = j
	}
	return out
}

// protoLocations maps the full names of messages and enums, and
// "Name#number" of their fields and values, to the line they are
// declared on: the locations compat/protobuf reports.
func protoLocations(text string) map[string]int {
	type scope struct {
		name string // full name of the enclosing message or enum ("" at file level)
	}
	locs := map[string]int{}
	var toks []protoTok
	for _, t := range scanProto(text) {
		if t.kind != ptSpace && t.kind != ptComment {
			toks = append(toks, t)
		}
	}
	pkg := ""
	stack := []scope{{}}
	stmtStart := 0 // index of the first token of the current statement
	brackets := 0  // inside [...] options
	pending := ""  // full name declared by "message X" / "enum X", opened by the next "{"
	for i, t := range toks {
		cur := stack[len(stack)-1].name
		first := toks[stmtStart].text
		switch {
		case t.text == "[":
			brackets++
		case t.text == "]":
			brackets = max(brackets-1, 0)
		case t.text == ";":
			stmtStart = i + 1
		case t.text == "{":
			name := cur
			if pending != "" {
				name = pending
			}
			stack = append(stack, scope{name})
			pending = ""
			stmtStart = i + 1
		case t.text == "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			stmtStart = i + 1
		case t.kind == ptIdent && i == stmtStart+1 && first == "package":
			pkg = t.text
		case t.kind == ptIdent && i == stmtStart+1 && (first == "message" || first == "enum"):
			full := t.text
			switch {
			case cur != "":
				full = cur + "." + t.text
			case pkg != "":
				full = pkg + "." + t.text
			}
			pending = full
			locs[full] = t.line
		case t.kind == ptNumber && brackets == 0 && cur != "" && i >= 2 && toks[i-1].text == "=" &&
			first != "option" && toks[i-2].kind == ptIdent:
			n, err := strconv.ParseInt(t.text, 0, 64)
			if err == nil {
				key := cur + "#" + strconv.FormatInt(n, 10)
				if _, dup := locs[key]; !dup {
					locs[key] = t.line
				}
			}
		}
	}
	return locs
}
