// Package backup reads and writes Accord's dump: one versioned,
// engine-neutral document holding a whole store (accord backup, accord
// restore) or part of one (the rows accord export and accord import move
// between servers). The same code serves both, so what a backup keeps and
// what an export carries are written once.
//
// The document is JSON Lines, streamed in both directions (a registry of
// any size is never held in memory): a header line, then per table a line
// naming its columns followed by one line per row, then a trailer that
// proves the document is complete:
//
//	{"format":"accord-dump/1","kind":"backup","createdAt":"…","engine":"sqlite","schemaVersion":8}
//	{"table":"contexts","columns":["context","last_id"]}
//	{"r":[".",12]}
//	…
//	{"end":{"tables":16,"rows":1234}}
//
// Values are JSON natives: integers (exact, read back as int64), strings,
// booleans and null. The export document (accord export) uses the same
// header (kind "export") and may add "subject" and "config" lines, the
// Confluent API's view of subjects, which accord import sends through the
// registry API (see cmd/accord).
package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Format is the document format this package writes and reads. A change
// that older readers would misread gets a new number.
const Format = "accord-dump/1"

// Kinds of document.
const (
	KindBackup = "backup" // every table of a store (accord backup)
	KindExport = "export" // the Confluent view of subjects plus Accord's other tables (accord export)
)

// Header is the document's first line.
type Header struct {
	Format        string    `json:"format"`
	Kind          string    `json:"kind"`
	CreatedAt     time.Time `json:"createdAt"`
	Engine        string    `json:"engine,omitempty"`        // sqlite or postgres, the source's
	SchemaVersion int       `json:"schemaVersion,omitempty"` // the source's newest migration
	Source        string    `json:"source,omitempty"`        // where an export was read from
}

// Trailer is the document's last line: what it holds, so a reader can
// tell a complete document from a cut one.
type Trailer struct {
	Tables   int   `json:"tables"`
	Rows     int64 `json:"rows"`
	Subjects int   `json:"subjects,omitempty"`
}

// Record is one line after the header; exactly one field is set.
type Record struct {
	Table   *TableStart     `json:"-"`
	Row     []any           `json:"-"` // a row of the last Table
	Subject json.RawMessage `json:"-"` // an export's subject (cmd/accord's shape)
	Config  json.RawMessage `json:"-"` // an export's global config
	End     *Trailer        `json:"-"`
}

// TableStart names a table and its columns; rows follow.
type TableStart struct {
	Name    string   `json:"table"`
	Columns []string `json:"columns"`
}

type line struct {
	Table   string          `json:"table,omitempty"`
	Columns []string        `json:"columns,omitempty"`
	R       []any           `json:"r,omitempty"`
	Subject json.RawMessage `json:"subject,omitempty"`
	Config  json.RawMessage `json:"config,omitempty"`
	End     *Trailer        `json:"end,omitempty"`
}

// Writer writes a document.
type Writer struct {
	w       *bufio.Writer
	enc     *json.Encoder
	tables  int
	rows    int64
	subject int
	err     error
}

// NewWriter writes h and returns a Writer for the rest.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format = Format
	if h.CreatedAt.IsZero() {
		h.CreatedAt = time.Now().UTC()
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	wr := &Writer{w: bw, enc: enc}
	wr.put(h)
	return wr, wr.err
}

func (w *Writer) put(v any) {
	if w.err == nil {
		if err := w.enc.Encode(v); err != nil {
			w.err = fmt.Errorf("writing the dump: %w", err)
		}
	}
}

// Table starts a table.
func (w *Writer) Table(name string, columns []string) error {
	w.tables++
	w.put(line{Table: name, Columns: columns})
	return w.err
}

// Row writes a row of the current table.
func (w *Writer) Row(values []any) error {
	w.rows++
	if len(values) == 0 {
		values = []any{} // never omitted: an empty row is still a row
	}
	w.put(struct {
		R []any `json:"r"`
	}{values})
	return w.err
}

// Subject writes an export's subject document.
func (w *Writer) Subject(doc any) error {
	w.subject++
	w.put(struct {
		Subject any `json:"subject"`
	}{doc})
	return w.err
}

// Config writes an export's global config.
func (w *Writer) Config(doc any) error {
	w.put(struct {
		Config any `json:"config"`
	}{doc})
	return w.err
}

// Close writes the trailer and flushes. A document without its trailer
// is refused by readers.
func (w *Writer) Close() error {
	w.put(line{End: &Trailer{Tables: w.tables, Rows: w.rows, Subjects: w.subject}})
	if w.err == nil {
		if err := w.w.Flush(); err != nil {
			w.err = fmt.Errorf("writing the dump: %w", err)
		}
	}
	return w.err
}

// MaxLine bounds one line of a document (a row, a subject with all its
// versions): what a reader buffers at once.
const MaxLine = 64 << 20

// ErrTruncated reports a document that ends before its trailer: an
// interrupted backup or export.
var ErrTruncated = errors.New("the dump ends before its trailer: it was cut short (an interrupted backup or export?)")

// Reader reads a document.
type Reader struct {
	Header Header
	sc     *bufio.Scanner
	n      int // line number
	cols   int // columns of the current table
	tables int
	rows   int64
	subj   int
	done   bool
}

// NewReader reads and checks the header.
func NewReader(r io.Reader) (*Reader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	rd := &Reader{sc: sc}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading the dump header: %w", err)
		}
		return nil, errors.New("the dump is empty")
	}
	rd.n = 1
	if err := json.Unmarshal(sc.Bytes(), &rd.Header); err != nil {
		return nil, fmt.Errorf("the dump's first line is not a header: %w", err)
	}
	if rd.Header.Format != Format {
		return nil, fmt.Errorf("dump format %q: this Accord reads %q", rd.Header.Format, Format)
	}
	return rd, nil
}

// Next returns the next record, io.EOF after the trailer (checked against
// what was read), ErrTruncated when the input ends without one.
func (r *Reader) Next() (Record, error) {
	if r.done {
		return Record{}, io.EOF
	}
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return Record{}, fmt.Errorf("reading the dump at line %d: %w", r.n+1, err)
		}
		return Record{}, ErrTruncated
	}
	r.n++
	raw := r.sc.Bytes()
	if bytes.HasPrefix(raw, []byte(`{"r":`)) { // the common case, decoded exactly
		var l struct {
			R []any `json:"r"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&l); err != nil {
			return Record{}, r.bad(err)
		}
		if r.cols < 0 || len(l.R) != r.cols {
			return Record{}, fmt.Errorf("dump line %d: a row of %d values where its table has %d columns", r.n, len(l.R), r.cols)
		}
		r.rows++
		return Record{Row: l.R}, nil
	}
	var l line
	if err := json.Unmarshal(raw, &l); err != nil {
		return Record{}, r.bad(err)
	}
	switch {
	case l.Table != "":
		r.cols, r.tables = len(l.Columns), r.tables+1
		return Record{Table: &TableStart{Name: l.Table, Columns: l.Columns}}, nil
	case l.Subject != nil:
		r.cols, r.subj = -1, r.subj+1
		return Record{Subject: l.Subject}, nil
	case l.Config != nil:
		r.cols = -1
		return Record{Config: l.Config}, nil
	case l.End != nil:
		if l.End.Tables != r.tables || l.End.Rows != r.rows || l.End.Subjects != r.subj {
			return Record{}, fmt.Errorf("dump trailer says %d tables, %d rows, %d subjects; read %d, %d, %d", l.End.Tables, l.End.Rows, l.End.Subjects, r.tables, r.rows, r.subj)
		}
		r.done = true
		return Record{End: l.End}, nil
	}
	return Record{}, fmt.Errorf("dump line %d: not a table, row, subject, config or trailer", r.n)
}

// bad reports a line that does not parse. A read that failed midway (a
// request body over its limit, a broken connection) hands the scanner a
// cut last line: the read's error is the one to report.
func (r *Reader) bad(err error) error {
	if serr := r.sc.Err(); serr != nil {
		return fmt.Errorf("reading the dump at line %d: %w", r.n, serr)
	}
	return fmt.Errorf("dump line %d: %w", r.n, err)
}
