package cli

// Rollback of accord apply: what a unit did is undone, newest first,
// when a later step of the same unit is refused or the run is
// interrupted.

import (
	"context"
	"fmt"
	"time"
)

// rollbackTimeout bounds a whole rollback. It runs on a context that an
// interrupt does not cancel (the point of Ctrl-C during apply is to stop,
// not to leave half a stream behind); a second Ctrl-C ends the process.
const rollbackTimeout = 2 * time.Minute

// rollback is what a unit did so far, as steps that take it back.
type rollback struct {
	steps []undoStep
}

// undoStep takes back one thing and says what it did ("" for nothing).
type undoStep func(ctx context.Context) (did string, err error)

// add adds a step that says what when do succeeds.
func (rb *rollback) add(what string, do func(ctx context.Context) error) {
	rb.steps = append(rb.steps, func(ctx context.Context) (string, error) {
		if err := do(ctx); err != nil {
			return "", err
		}
		return what, nil
	})
}

// drop forgets the last step (its action turned out not to happen).
func (rb *rollback) drop() { rb.steps = rb.steps[:len(rb.steps)-1] }

// run undoes every step, newest first, and says what was undone and
// what could not be.
func (rb *rollback) run(ctx context.Context) (done, failed []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	for i := len(rb.steps) - 1; i >= 0; i-- {
		did, err := rb.steps[i](ctx)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		if did != "" {
			done = append(done, did)
		}
	}
	return done, failed
}

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

// saveConfig adds a step putting subject's own config back as it is now
// (deleting it when it has none).
func (rb *rollback) saveConfig(ctx context.Context, cl *client, subject string) error {
	path := "/config/" + pathEscape(subject)
	var cfg map[string]any
	_, err := cl.do(ctx, "GET", path, nil, &cfg)
	if isStatus(err, 404) {
		rb.steps = append(rb.steps, func(ctx context.Context) (string, error) {
			_, err := cl.do(ctx, "DELETE", path, nil, nil)
			switch {
			case isStatus(err, 404):
				return "", nil // the run did not set one
			case err != nil:
				return "", fmt.Errorf("removing the config of %s: %w", subject, err)
			}
			return "removed the config of " + subject, nil
		})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading config of %s: %w", subject, err)
	}
	rb.add("restored the config of "+subject, func(ctx context.Context) error {
		if _, err := cl.do(ctx, "PUT", path, cfg, nil); err != nil {
			return fmt.Errorf("restoring the config of %s: %w", subject, err)
		}
		return nil
	})
	return nil
}

// deleteVersion adds a step removing a version this run registered:
// soft, then permanent (the schema id stays allocated: ids are never
// reused).
func (rb *rollback) deleteVersion(cl *client, subject string, version int) {
	rb.add(fmt.Sprintf("deleted %s version %d", subject, version), func(ctx context.Context) error {
		return deleteVersion(ctx, cl, subject, version)
	})
}

// deleteIfRegistered adds a step for a registration whose answer never
// came (interrupted): if doc is now a version of subject, this run
// registered it (the plan found it absent), so it is deleted.
func (rb *rollback) deleteIfRegistered(cl *client, subject string, doc schemaDoc) {
	rb.steps = append(rb.steps, func(ctx context.Context) (string, error) {
		var found versionDoc
		_, err := cl.do(ctx, "POST", "/subjects/"+pathEscape(subject), doc.body(), &found)
		switch {
		case isStatus(err, 404):
			return "", nil // it did not go through
		case err != nil:
			return "", fmt.Errorf("looking up %s after the interrupted registration: %w", subject, err)
		}
		if err := deleteVersion(ctx, cl, subject, found.Version); err != nil {
			return "", err
		}
		return fmt.Sprintf("deleted %s version %d", subject, found.Version), nil
	})
}

// deleteVersion removes a version: soft, then permanent.
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
