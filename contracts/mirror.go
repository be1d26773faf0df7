package contracts

import "context"

// SubjectStream is what the registry's responses mirror of the stream a
// subject belongs to.
type SubjectStream struct {
	Stream     string
	Owner      string
	EventType  EventType
	Visibility Visibility
}

// StreamOfSubject returns the stream subject belongs to; false when none.
// It reads the database on each call (callers cache).
func (svc *Service) StreamOfSubject(ctx context.Context, subject string) (SubjectStream, bool, error) {
	s, err := svc.streamOf(ctx, canonicalSubject(subject))
	if err != nil || s == nil {
		return SubjectStream{}, false, err
	}
	return SubjectStream{Stream: s.Name, Owner: s.Owner, EventType: s.EventType, Visibility: s.Visibility}, true, nil
}
