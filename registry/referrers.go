package registry

import "context"

// liveReferrers lists the ids of schemas (of any context) that reference
// n's version and are still used by a live (not soft-deleted) version.
func liveReferrers(ctx context.Context, q Reader, n Name, version int) ([]int64, error) {
	ctxs, err := q.Contexts(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, c := range ctxs {
		subject := n.Subject
		if c != n.Context {
			subject = ":" + n.Context + ":" + n.Subject
		}
		ids, err := q.ReferencedBy(ctx, c, subject, version)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			vs, err := q.VersionsBySchema(ctx, c, id, false)
			if err != nil {
				return nil, err
			}
			if len(vs) > 0 {
				out = append(out, id)
			}
		}
	}
	return out, nil
}
