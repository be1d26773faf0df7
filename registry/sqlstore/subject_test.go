package sqlstore

import (
	"testing"

	"github.com/accord/accord/registry"
)

// TestSubjectStatePreparedBound: on SQLite, SubjectState prepares at most
// one statement per number of levels up to maxPreparedLevels and per
// shape of versions read (none, versions, versions with schemas), however
// many subjects and levels callers ask for; a read of more levels runs
// unprepared and still answers every level.
func TestSubjectStatePreparedBound(t *testing.T) {
	s := openStore(t, t.TempDir())
	ctx := t.Context()
	shapes := []registry.SubjectRead{{}, {Versions: true}, {Versions: true, Schemas: true}}
	for _, subject := range []string{"a", "b", "c"} {
		for n := 0; n <= maxPreparedLevels+2; n++ {
			levels := make([]registry.Name, n)
			for i := range levels {
				levels[i] = registry.Name{Context: ".", Subject: subject}
			}
			for _, shape := range shapes {
				shape.Levels = levels
				st, err := s.SubjectState(ctx, ".", subject, shape)
				if err != nil {
					t.Fatalf("%d levels, %+v: %v", n, shape, err)
				}
				if len(st.Settings) != n {
					t.Fatalf("%d levels: %d settings", n, len(st.Settings))
				}
			}
		}
	}
	s.readStmts.mu.Lock()
	got := len(s.readStmts.m)
	s.readStmts.mu.Unlock()
	if want := (maxPreparedLevels + 1) * len(shapes); got != want {
		t.Fatalf("%d statements prepared, want %d (0..%d levels x %d shapes)", got, want, maxPreparedLevels, len(shapes))
	}
}
