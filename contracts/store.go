package contracts

import (
	"context"
	"time"
)

// Store persists streams. Writes are durable when they return and append
// their audit entries (package audit; actor and request from the context)
// in the same transaction; reads of a missing stream return
// ErrStreamNotFound (wrapped).
type Store interface {
	// Create stores a new stream and indexes its subjects. A stream of
	// that name is ErrStreamExists; a subject of another stream is
	// ErrSubjectTaken. Claims on its subjects are released, each after
	// claims (unless nil) accepts it, in the transaction.
	Create(ctx context.Context, s Stream, claims ClaimCheck) error
	// Get returns the stream called name.
	Get(ctx context.Context, name string) (Stream, error)
	// Update reads the stream, lets fn change it and stores the result
	// with its subject index, in one transaction; claims on subjects it
	// adds are checked by claims (unless nil) and released, as Create
	// does. When the owner changed it records the transfer, made by
	// principal by.
	Update(ctx context.Context, name, by string, claims ClaimCheck, fn func(*Stream) error) (Stream, error)
	// List returns the streams matching f, by name.
	List(ctx context.Context, f Filter) ([]Stream, error)
	// Delete removes the stream and its subject index (not its subjects'
	// schemas, which stay in the registry), if check (unless nil) accepts
	// the stream as read in the transaction.
	Delete(ctx context.Context, name string, check func(*Stream) error) error
	// BySubject returns the stream that subject (canonical) belongs to.
	BySubject(ctx context.Context, subject string) (Stream, error)
	// Claim records owner as the claimant of subject unless it has one
	// and returns the claimant.
	Claim(ctx context.Context, subject, owner string) (string, error)
	// Claimant returns the claimant of subject, "" when it has none.
	Claimant(ctx context.Context, subject string) (string, error)
	// Transfers lists the ownership transfers of a stream, oldest first.
	Transfers(ctx context.Context, name string) ([]Transfer, error)
}

// ClaimCheck decides, inside a stream write's transaction, whether the
// claim of claimant on subject may be released by putting subject in
// stream s; an error refuses the write.
type ClaimCheck func(s *Stream, subject, claimant string) error

// Filter selects streams; empty fields match everything.
type Filter struct {
	Owner      string
	EventType  EventType
	Visibility Visibility
	// Tag matches a label, "domain:<d>", "entity:<e>", or "pii" (streams
	// with PII fields).
	Tag string
}

// Transfer is a recorded change of owner.
type Transfer struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Match reports whether s passes every field of f.
func (f Filter) Match(s *Stream) bool {
	return (f.Owner == "" || s.Owner == f.Owner) && (f.EventType == "" || s.EventType == f.EventType) &&
		(f.Visibility == "" || s.Visibility == f.Visibility) && f.MatchTag(s)
}

// MatchTag reports whether s matches f.Tag.
func (f Filter) MatchTag(s *Stream) bool {
	switch {
	case f.Tag == "":
		return true
	case f.Tag == "pii":
		return len(s.Tags.PII) > 0
	case f.Tag == "domain:"+s.Tags.Domain && s.Tags.Domain != "":
		return true
	case f.Tag == "entity:"+s.Tags.Entity && s.Tags.Entity != "":
		return true
	}
	for _, l := range s.Tags.Labels {
		if l == f.Tag {
			return true
		}
	}
	return false
}
