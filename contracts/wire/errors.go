package wire

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every *FrameError.
var ErrMalformed = errors.New("malformed frame")

// Reason says what is wrong with a frame. The values are stable: callers
// (and the HTTP hook's clients) may switch on them.
type Reason string

// Frame problems.
const (
	// ReasonEmpty: no bytes at all.
	ReasonEmpty Reason = "EMPTY"
	// ReasonBadMagic: byte 0 is not 0x00 (the payload is not framed, or is
	// framed by another serializer).
	ReasonBadMagic Reason = "BAD_MAGIC"
	// ReasonTruncatedID: fewer than 4 bytes follow the magic byte.
	ReasonTruncatedID Reason = "TRUNCATED_ID"
	// ReasonBadID: the schema id is zero or negative (ids start at 1).
	ReasonBadID Reason = "BAD_SCHEMA_ID"
	// ReasonTruncatedIndexes: a Protobuf frame ends inside the message
	// indexes.
	ReasonTruncatedIndexes Reason = "TRUNCATED_INDEXES"
	// ReasonBadVarint: a message-index varint is longer than 10 bytes or
	// overflows 64 bits.
	ReasonBadVarint Reason = "BAD_VARINT"
	// ReasonBadIndexCount: the index count is negative or larger than
	// MaxIndexes.
	ReasonBadIndexCount Reason = "BAD_INDEX_COUNT"
	// ReasonBadIndex: a message index is negative or does not fit in an
	// int32.
	ReasonBadIndex Reason = "BAD_INDEX"
)

// FrameError is a malformed frame: where (the byte offset into the frame)
// and what. It wraps ErrMalformed.
type FrameError struct {
	Offset int
	Reason Reason
	Detail string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("malformed frame at byte %d: %s (%s)", e.Offset, e.Detail, e.Reason)
}

func (e *FrameError) Unwrap() error { return ErrMalformed }

func frameErr(off int, r Reason, format string, args ...any) error {
	return &FrameError{Offset: off, Reason: r, Detail: fmt.Sprintf(format, args...)}
}
