package wire

import "fmt"

// Schema id headers: newer Confluent serializers name a record's schema
// by GUID in a header instead of prefixing the payload.
const (
	KeySchemaIDHeader   = "__key_schema_id"
	ValueSchemaIDHeader = "__value_schema_id"
	// MagicGUID is the first byte of such a header (Confluent's
	// MagicByteV1); the 16-byte GUID follows, then for Protobuf the
	// message indexes. The payload itself is unprefixed.
	MagicGUID byte = 1
	guidSize       = 1 + 16
)

// GUIDFrame is a parsed schema id header.
type GUIDFrame struct {
	GUID           [16]byte
	MessageIndexes []int
}

// String is the GUID in its canonical 8-4-4-4-12 hex form.
func (g GUIDFrame) String() string {
	b := g.GUID
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ParseGUID reads a schema id header; with protobuf set it also reads the
// message indexes after the GUID.
func ParseGUID(h []byte, protobuf bool) (GUIDFrame, error) {
	if len(h) == 0 {
		return GUIDFrame{}, frameErr(0, ReasonEmpty, "schema id header is empty")
	}
	if h[0] != MagicGUID {
		return GUIDFrame{}, frameErr(0, ReasonBadMagic, "schema id header starts with 0x%02x, want 0x01 (a schema GUID)", h[0])
	}
	if len(h) < guidSize {
		return GUIDFrame{}, frameErr(len(h), ReasonTruncatedID, "the schema GUID needs 16 bytes after the version byte, only %d follow", len(h)-1)
	}
	var g GUIDFrame
	copy(g.GUID[:], h[1:guidSize])
	if !protobuf {
		return g, nil
	}
	idx, _, err := readIndexes(h, guidSize)
	if err != nil {
		return GUIDFrame{}, err
	}
	g.MessageIndexes = idx
	return g, nil
}
