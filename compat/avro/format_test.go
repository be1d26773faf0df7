package avro

import (
	"sync"
	"testing"
)

// TestConcurrentUse: a parsed schema is shared by every request; its lazily
// computed forms and decoder must be safe to build from many goroutines.
func TestConcurrentUse(t *testing.T) {
	s := mustParse(t, paymentSchema)
	other := mustParse(t, paymentSchema)
	payload := paymentPayload().Bytes()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if _, err := s.Decode(payload); err != nil {
					t.Error(err)
				}
				_ = s.Normalized()
				_ = s.ParsingCanonicalForm()
				if d := s.CompatibleWith(other); len(d) != 0 {
					t.Error(d)
				}
			}
		})
	}
	wg.Wait()
}
