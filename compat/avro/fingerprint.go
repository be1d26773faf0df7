package avro

import (
	"bytes"
	"crypto/sha256"
	"strconv"

	"github.com/hamba/avro/v2/pkg/crc64"
)

// writePCF writes the Parsing Canonical Form of the specification: full
// names, only the attributes that affect decoding, in the order name, type,
// fields, symbols, items, values, size, and each named type spelled out at
// its first use only. Named types from references are spelled out too: the
// form describes what a decoder needs, whatever document defined it.
func writePCF(b *bytes.Buffer, n *node, seen map[*node]bool) {
	n = deref(n)
	switch n.kind {
	case kindUnion:
		b.WriteByte('[')
		for i, br := range n.branches {
			if i > 0 {
				b.WriteByte(',')
			}
			writePCF(b, br, seen)
		}
		b.WriteByte(']')
		return
	case kindArray:
		b.WriteString(`{"type":"array","items":`)
		writePCF(b, n.items, seen)
		b.WriteByte('}')
		return
	case kindMap:
		b.WriteString(`{"type":"map","values":`)
		writePCF(b, n.items, seen)
		b.WriteByte('}')
		return
	}
	if !n.kind.named() {
		writeString(b, n.kind.String())
		return
	}
	if seen[n] {
		writeString(b, n.full)
		return
	}
	seen[n] = true
	b.WriteString(`{"name":`)
	writeString(b, n.full)
	// "error" is written as "record", as the Java implementation does: both
	// decode the same way.
	b.WriteString(`,"type":"` + n.kind.String() + `"`)
	switch n.kind {
	case kindRecord:
		b.WriteString(`,"fields":[`)
		for i, f := range n.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":`)
			writeString(b, f.name)
			b.WriteString(`,"type":`)
			writePCF(b, f.typ, seen)
			b.WriteByte('}')
		}
		b.WriteByte(']')
	case kindEnum:
		b.WriteString(`,"symbols":`)
		writeStrings(b, n.symbols)
	case kindFixed:
		b.WriteString(`,"size":` + strconv.Itoa(n.size))
	}
	b.WriteByte('}')
}

// ParsingCanonicalForm returns the schema's Parsing Canonical Form, the
// text Avro fingerprints are computed from. Two schemas with the same form
// decode the same bytes the same way.
func (s *Schema) ParsingCanonicalForm() string {
	s.pcfOnce.Do(func() {
		var b bytes.Buffer
		writePCF(&b, s.root, map[*node]bool{})
		s.pcf = b.String()
	})
	return s.pcf
}

// Fingerprint64 returns the CRC-64-AVRO (Rabin) fingerprint of the Parsing
// Canonical Form, the fingerprint of Avro's single-object encoding.
func (s *Schema) Fingerprint64() uint64 {
	h := crc64.New()
	_, _ = h.Write([]byte(s.ParsingCanonicalForm()))
	return h.Sum64()
}

// FingerprintSHA256 returns the SHA-256 of the Parsing Canonical Form.
func (s *Schema) FingerprintSHA256() [32]byte {
	return sha256.Sum256([]byte(s.ParsingCanonicalForm()))
}
