package cli

// Rollback of accord apply: what a unit did is undone, newest first,
// when a later step of the same unit is refused or the run is
// interrupted.

import (
	"context"
	"fmt"
)

// subjectsOf lists the subjects whose config a stream write may set.
func subjectsOf(want streamDoc, cur *streamDoc) []string {
	seen := map[string]bool{}
	var out []string
	docs := []streamDoc{want.normalized()}
	if cur != nil {
		docs = append(docs, cur.normalized())
	}
	for _, d := range docs {
		for _, s := range append([]string{d.KeySubject}, d.ValueSubjects...) {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// saveConfig returns a function putting subject's own config back as it
// is now (deleting it when it has none).
func saveConfig(ctx context.Context, cl *client, subject string) (func() error, error) {
	path := "/config/" + pathEscape(subject)
	var cfg map[string]any
	_, err := cl.do(ctx, "GET", path, nil, &cfg)
	if isStatus(err, 404) {
		return func() error {
			_, err := cl.do(ctx, "DELETE", path, nil, nil)
			if isStatus(err, 404) {
				return nil
			}
			return err
		}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config of %s: %w", subject, err)
	}
	return func() error {
		_, err := cl.do(ctx, "PUT", path, cfg, nil)
		return err
	}, nil
}

// deleteVersion removes a version this run registered: soft, then
// permanent (the schema id stays allocated: ids are never reused).
func deleteVersion(ctx context.Context, cl *client, subject string, version int) error {
	path := fmt.Sprintf("/subjects/%s/versions/%d", pathEscape(subject), version)
	if _, err := cl.do(ctx, "DELETE", path, nil, nil); err != nil {
		return fmt.Errorf("deleting %s version %d: %w", subject, version, err)
	}
	if _, err := cl.do(ctx, "DELETE", path+"?permanent=true", nil, nil); err != nil {
		return fmt.Errorf("permanently deleting %s version %d: %w", subject, version, err)
	}
	return nil
}
