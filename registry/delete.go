package registry

import (
	"context"
	"fmt"

	"github.com/accord/accord/audit"
)

// DeleteVersion soft-deletes a version, or permanently deletes a version
// that was soft-deleted first. A version that live schemas reference cannot
// be deleted. It returns the version number deleted.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	n := ParseName(subject)
	var deleted int
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if err := checkWritable(ctx, tx, n); err != nil {
			return err
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
		all, err := tx.Versions(ctx, n.Context, n.Subject, true)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
		}
		var target *VersionRecord
		for i := len(all) - 1; i >= 0; i-- {
			v := &all[i]
			if (version == -1 && (permanent || !v.Deleted)) || v.Version == version {
				target = v
				break
			}
		}
		if target == nil {
			return errorf(ErrVersionNotFound, "Version %d not found.", version)
		}
		if err := r.checkNotReferenced(ctx, tx, n, target.Version, !permanent); err != nil {
			return err
		}
		deleted = target.Version
		before := versionDoc{Version: target.Version, ID: target.SchemaID, Deleted: target.Deleted}
		if !permanent {
			if target.Deleted {
				return errorf(ErrVersionSoftDeleted, "Subject '%s' Version %d was soft deleted. Set permanent=true to delete permanently", n.String(), target.Version)
			}
			if err := tx.SetDeleted(n.Subject, target.Version, true); err != nil {
				return err
			}
			after := before
			after.Deleted = true
			return record(tx, n, audit.VersionDelete, before, after)
		}
		if !target.Deleted {
			return errorf(ErrVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", n.String(), target.Version)
		}
		if err := tx.DeleteVersion(n.Subject, target.Version); err != nil {
			return err
		}
		return record(tx, n, audit.VersionDeleteHard, before, nil)
	})
	r.invalidate(n)
	if err != nil {
		if refusal, ok := unwrapPolicy(err); ok {
			return 0, refusal
		}
		return 0, storeErr("deleting version", err)
	}
	return deleted, nil
}

// DeleteSubject soft-deletes every live version of a subject, or
// permanently deletes a subject that was soft-deleted first (with its
// config and mode). It returns the versions deleted.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	n := ParseName(subject)
	var deleted []int
	err := r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		if err := checkWritable(ctx, tx, n); err != nil {
			return err
		}
		if err := r.beforeWrite(ctx, tx, n); err != nil {
			return err
		}
		all, err := tx.Versions(ctx, n.Context, n.Subject, true)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
		}
		var live []VersionRecord
		for _, v := range all {
			if !v.Deleted {
				live = append(live, v)
			}
		}
		if !permanent && len(live) == 0 {
			return errorf(ErrSubjectSoftDeleted, "Subject '%s' was soft deleted. Set permanent=true to delete permanently", n.String())
		}
		if permanent && len(live) > 0 {
			return errorf(ErrSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", n.String())
		}
		for _, v := range all {
			if err := r.checkNotReferenced(ctx, tx, n, v.Version, !permanent); err != nil {
				return err
			}
		}
		deleted = []int{}
		var before, after []versionDoc
		for _, v := range all {
			before = append(before, versionDoc{Version: v.Version, ID: v.SchemaID, Deleted: v.Deleted})
			if !permanent {
				after = append(after, versionDoc{Version: v.Version, ID: v.SchemaID, Deleted: true})
			}
		}
		action := audit.SubjectDelete
		if permanent {
			action = audit.SubjectDeleteHard
		}
		if err := record(tx, n, action, before, after); err != nil {
			return err
		}
		for _, v := range all {
			if permanent {
				if err := tx.DeleteVersion(n.Subject, v.Version); err != nil {
					return err
				}
			} else if !v.Deleted {
				if err := tx.SetDeleted(n.Subject, v.Version, true); err != nil {
					return err
				}
			} else {
				continue
			}
			deleted = append(deleted, v.Version)
		}
		if permanent {
			if err := tx.PutConfig(n.Subject, nil); err != nil {
				return err
			}
			return tx.PutMode(n.Subject, "")
		}
		return nil
	})
	r.invalidate(n)
	if err != nil {
		if refusal, ok := unwrapPolicy(err); ok {
			return nil, refusal
		}
		return nil, storeErr("deleting subject", err)
	}
	return deleted, nil
}

// checkNotReferenced refuses to delete a version that schemas reference.
// For a soft delete (liveOnly) only referrers with a live version count, as
// in Confluent: a reference held only by soft-deleted versions does not
// block it. A permanent delete counts soft-deleted referrers too (they can
// be restored).
func (r *Registry) checkNotReferenced(ctx context.Context, tx Tx, n Name, version int, liveOnly bool) error {
	var ids []int64
	var err error
	if liveOnly {
		ids, err = liveReferrers(ctx, tx, n, version)
	} else {
		ids, err = referencedBy(ctx, tx, n, version)
	}
	if err != nil {
		return fmt.Errorf("listing references: %w", err)
	}
	if len(ids) > 0 {
		return errorf(ErrReferenceExists, "One or more references exist to the schema {subject=%s,version=%d}: referenced by schema ids %v", n.String(), version, ids)
	}
	return nil
}
