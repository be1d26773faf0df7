package dek

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
)

// Audit actions, each appended in the transaction of its change. KEK
// entries target the KEK's name; DEK entries target the DEK's subject (in
// its context), so GET /v1/audit?target=<subject> shows a subject's keys
// with its versions.
const (
	ActionKEKCreate     = "kek.create"
	ActionKEKUpdate     = "kek.update"
	ActionKEKDelete     = "kek.delete"
	ActionKEKDeleteHard = "kek.delete_permanent"
	ActionKEKUndelete   = "kek.undelete"
	ActionDEKCreate     = "dek.create"
	ActionDEKDelete     = "dek.delete"
	ActionDEKDeleteHard = "dek.delete_permanent"
	ActionDEKUndelete   = "dek.undelete"
)

// Limits on what one caller can make Accord store.
const (
	// DefaultMaxKeys bounds the number of KEKs, and separately of DEKs
	// (Confluent's dek.registry.max.keys default).
	DefaultMaxKeys = 10000
	// NameMaxLength bounds a KEK name (Confluent's).
	NameMaxLength = 64
	// MaxSubjectLength bounds a DEK's subject.
	MaxSubjectLength = 1024
	// MaxKMSProps bounds a KEK's kmsProps entries; MaxFieldBytes each
	// kmsType, kmsKeyId, kmsProps key and value, and doc.
	MaxKMSProps   = 64
	MaxFieldBytes = 8 << 10
	// MaxKeyMaterialBytes bounds a DEK's encryptedKeyMaterial (base64):
	// a wrapped 256-bit key is a few hundred bytes with any KMS.
	MaxKeyMaterialBytes = 16 << 10
)

// SubjectWriters says who may write a subject (the contracts service's
// single-writer rule); a DEK belongs to the subject it encrypts fields of.
type SubjectWriters interface {
	AuthorizeSubjectWrite(ctx context.Context, p *auth.Principal, subject string) error
}

// Options configures a Service.
type Options struct {
	// MaxKeys bounds the KEKs, and separately the DEKs (DefaultMaxKeys
	// when 0).
	MaxKeys int
	// Writers checks DEK writes against the subject's owner; nil: any
	// principal the API lets through.
	Writers SubjectWriters
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Service is the DEK registry.
type Service struct {
	store Store
	opts  Options
}

// NewService returns the DEK registry over store.
func NewService(store Store, opts Options) *Service {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, opts: opts}
}

// CheckName checks a KEK name as Confluent does: a letter or _ first, then
// letters, digits, _ or -, at most NameMaxLength.
func CheckName(name string) error {
	bad := name == "" || len(name) > NameMaxLength
	for i, r := range name {
		ok := unicode.IsLetter(r) || r == '_' || i > 0 && (unicode.IsDigit(r) || r == '-')
		bad = bad || !ok
	}
	if bad {
		return errorf(ErrInvalidKey, "Invalid key: name %q must start with a letter or _ and hold only letters, digits, _ and -, at most %d characters", name, NameMaxLength)
	}
	return nil
}

// CheckSubject checks a DEK's subject: not empty, no control characters.
func CheckSubject(subject string) error {
	if subject == "" || len(subject) > MaxSubjectLength || strings.ContainsFunc(subject, unicode.IsControl) {
		return errorf(ErrInvalidKey, "Invalid key: subject %q must be 1 to %d characters without control characters", subject, MaxSubjectLength)
	}
	return nil
}

// normalizeKMSType spells the cloud KMS types as Confluent stores them.
func normalizeKMSType(t string) string {
	l := strings.ToLower(t)
	for _, cloud := range []string{"aws", "azure", "gcp"} {
		if strings.HasPrefix(l, cloud) {
			return cloud + "-kms"
		}
	}
	return t
}

func checkField(name, v string) error {
	if len(v) > MaxFieldBytes {
		return errorf(ErrInvalidKey, "Invalid key: %s is longer than %d bytes", name, MaxFieldBytes)
	}
	return nil
}

func checkProps(props map[string]string) error {
	if len(props) > MaxKMSProps {
		return errorf(ErrInvalidKey, "Invalid key: kmsProps has %d entries, more than %d", len(props), MaxKMSProps)
	}
	for k, v := range props {
		if err := checkField("kmsProps key", k); err != nil {
			return err
		}
		if err := checkField("kmsProps "+k, v); err != nil {
			return err
		}
	}
	return nil
}

// KEKNames lists the names of the KEKs, soft-deleted ones too when deleted.
func (s *Service) KEKNames(ctx context.Context, deleted bool) ([]string, error) {
	ks, err := s.store.KEKs(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, k := range ks {
		if deleted || !k.Deleted {
			out = append(out, k.Name)
		}
	}
	return out, nil
}

// KEK returns KEK name; a soft-deleted one only when deleted.
func (s *Service) KEK(ctx context.Context, name string, deleted bool) (KEK, error) {
	if err := CheckName(name); err != nil {
		return KEK{}, err
	}
	k, ok, err := s.store.KEK(ctx, name)
	if err != nil {
		return KEK{}, err
	}
	if !ok || k.Deleted && !deleted {
		return KEK{}, notFound(name)
	}
	return k, nil
}

// DEKSubjects lists the subjects with DEKs under KEK name.
func (s *Service) DEKSubjects(ctx context.Context, name string, deleted bool) ([]string, error) {
	if _, err := s.KEK(ctx, name, deleted); err != nil {
		return nil, err
	}
	ds, err := s.store.DEKs(ctx, name, "", "")
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, d := range ds {
		if (deleted || !d.Deleted) && !slices.Contains(out, d.Subject) {
			out = append(out, d.Subject)
		}
	}
	slices.Sort(out)
	return out, nil
}

// DEKVersions lists the versions of a subject's DEK.
func (s *Service) DEKVersions(ctx context.Context, name, subject, algorithm string, deleted bool) ([]int, error) {
	alg, err := s.checkDEKPath(name, subject, algorithm)
	if err != nil {
		return nil, err
	}
	if _, err := s.KEK(ctx, name, deleted); err != nil {
		return nil, err
	}
	ds, err := s.store.DEKs(ctx, name, subject, alg)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, d := range ds {
		if deleted || !d.Deleted {
			out = append(out, d.Version)
		}
	}
	return out, nil
}

// DEK returns version (-1: the latest) of a subject's DEK.
func (s *Service) DEK(ctx context.Context, name, subject string, version int, algorithm string, deleted bool) (DEK, error) {
	alg, err := s.checkDEKPath(name, subject, algorithm)
	if err != nil {
		return DEK{}, err
	}
	if _, err := s.KEK(ctx, name, deleted); err != nil {
		return DEK{}, err
	}
	ds, err := s.store.DEKs(ctx, name, subject, alg)
	if err != nil {
		return DEK{}, err
	}
	d, ok := pick(ds, version, deleted)
	if !ok {
		return DEK{}, notFound(subject)
	}
	return d, nil
}

// pick finds version (-1: the highest) among ds (ascending versions).
func pick(ds []DEK, version int, deleted bool) (DEK, bool) {
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if d.Deleted && !deleted {
			continue
		}
		if version == -1 || d.Version == version {
			return d, true
		}
	}
	return DEK{}, false
}

func (s *Service) checkDEKPath(name, subject, algorithm string) (Algorithm, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	if err := CheckSubject(subject); err != nil {
		return "", err
	}
	return ParseAlgorithm(algorithm)
}

// CreateKEK registers a KEK. A KEK of that name is a conflict, unless it
// is soft-deleted and the request describes the same key: then the KEK is
// undeleted (Confluent's create-as-undelete).
func (s *Service) CreateKEK(ctx context.Context, req CreateKEK) (KEK, error) {
	if err := CheckName(req.Name); err != nil {
		return KEK{}, err
	}
	switch {
	case req.KMSKeyID == "":
		return KEK{}, errorf(ErrInvalidKey, "Invalid key: kmsKeyId is required")
	case req.KMSType == "":
		return KEK{}, errorf(ErrInvalidKey, "Invalid key: kmsType is required")
	}
	for _, f := range [][2]string{{"kmsType", req.KMSType}, {"kmsKeyId", req.KMSKeyID}, {"doc", req.Doc}} {
		if err := checkField(f[0], f[1]); err != nil {
			return KEK{}, err
		}
	}
	if err := checkProps(req.KMSProps); err != nil {
		return KEK{}, err
	}
	k := KEK{Name: req.Name, KMSType: normalizeKMSType(req.KMSType), KMSKeyID: req.KMSKeyID, KMSProps: props(req.KMSProps),
		Doc: req.Doc, Shared: req.Shared, Deleted: req.Deleted, Ts: millis(s.opts.Now())}
	err := s.store.Write(ctx, func(tx Tx) error {
		old, ok, err := tx.LockKEK(k.Name)
		if err != nil {
			return err
		}
		if ok {
			if req.Deleted == old.Deleted || !old.equivalent(k) {
				return errorf(ErrAlreadyExists, "Key '%s' already exists; use a different value", k.Name)
			}
			if err := tx.UpdateKEK(k); err != nil {
				return err
			}
			return tx.Record(ActionKEKCreate, "", k.Name, audit.Doc(old), audit.Doc(k))
		}
		if n, err := tx.Count(false); err != nil {
			return err
		} else if n >= s.opts.MaxKeys {
			return errorf(ErrTooManyKeys, "A maximum of %d keys already exist", s.opts.MaxKeys)
		}
		if err := tx.InsertKEK(k); err != nil {
			return err
		}
		return tx.Record(ActionKEKCreate, "", k.Name, nil, audit.Doc(k))
	})
	return k, err
}

func props(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// UpdateKEK changes a live KEK's kmsProps, doc or shared flag.
func (s *Service) UpdateKEK(ctx context.Context, name string, req UpdateKEK) (KEK, error) {
	if err := CheckName(name); err != nil {
		return KEK{}, err
	}
	if err := checkProps(req.KMSProps); err != nil {
		return KEK{}, err
	}
	if req.Doc != nil {
		if err := checkField("doc", *req.Doc); err != nil {
			return KEK{}, err
		}
	}
	var out KEK
	err := s.store.Write(ctx, func(tx Tx) error {
		old, ok, err := tx.LockKEK(name)
		if err != nil {
			return err
		}
		if !ok || old.Deleted {
			return notFound(name)
		}
		k := old
		if req.KMSProps != nil {
			k.KMSProps = req.KMSProps
		}
		if req.Doc != nil {
			k.Doc = *req.Doc
		}
		if req.Shared != nil {
			k.Shared = *req.Shared
		}
		if k.equivalent(old) {
			out = old
			return nil
		}
		k.Ts = millis(s.opts.Now())
		out = k
		if err := tx.UpdateKEK(k); err != nil {
			return err
		}
		return tx.Record(ActionKEKUpdate, "", name, audit.Doc(old), audit.Doc(k))
	})
	return out, err
}

// DeleteKEK soft-deletes KEK name, or removes it when permanent (it must
// be soft-deleted first). A KEK with live DEKs cannot be soft-deleted, one
// with any DEK cannot be removed (ErrReferenceExists).
func (s *Service) DeleteKEK(ctx context.Context, name string, permanent bool) error {
	if err := CheckName(name); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		old, ok, err := tx.LockKEK(name)
		if err != nil {
			return err
		}
		if !ok {
			return notFound(name)
		}
		ds, err := tx.DEKs(name, "", "")
		if err != nil {
			return err
		}
		for _, d := range ds {
			if permanent || !d.Deleted {
				what := "live"
				if permanent {
					what = "any"
				}
				return errorf(ErrReferenceExists, "Key '%s' is still referenced by %s DEKs (subject %s): delete them first", name, what, d.Subject)
			}
		}
		if permanent {
			if !old.Deleted {
				return errorf(ErrKeyNotSoftDeleted, "Key '%s' was not deleted first before being permanently deleted", name)
			}
			if err := tx.DeleteKEK(name); err != nil {
				return err
			}
			return tx.Record(ActionKEKDeleteHard, "", name, audit.Doc(old), nil)
		}
		return s.markKEKDeleted(tx, old, true, ActionKEKDelete)
	})
}

// UndeleteKEK brings back a soft-deleted KEK.
func (s *Service) UndeleteKEK(ctx context.Context, name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		old, ok, err := tx.LockKEK(name)
		if err != nil {
			return err
		}
		if !ok {
			return notFound(name)
		}
		return s.markKEKDeleted(tx, old, false, ActionKEKUndelete)
	})
}

// markKEKDeleted soft-deletes (or undeletes) old and records action; a KEK
// already in that state is left as it is, unrecorded.
func (s *Service) markKEKDeleted(tx Tx, old KEK, deleted bool, action string) error {
	if old.Deleted == deleted {
		return nil
	}
	k := old
	k.Deleted, k.Ts = deleted, millis(s.opts.Now())
	if err := tx.UpdateKEK(k); err != nil {
		return err
	}
	return tx.Record(action, "", k.Name, audit.Doc(old), audit.Doc(k))
}

// mayWrite checks that the caller may write the DEKs of subject.
func (s *Service) mayWrite(ctx context.Context, subject string) error {
	if s.opts.Writers == nil {
		return nil
	}
	return s.opts.Writers.AuthorizeSubjectWrite(ctx, auth.FromContext(ctx), subject)
}

// CreateDEK registers a DEK version under KEK name. Its
// encryptedKeyMaterial is required: Accord cannot generate keys (it holds
// no KMS credentials), even for a shared KEK. An existing version is a
// conflict, unless it is soft-deleted and the request is the same key
// (then it is undeleted, as Confluent does).
func (s *Service) CreateDEK(ctx context.Context, name string, req CreateDEK) (DEK, error) {
	alg, err := s.checkDEKPath(name, req.Subject, req.Algorithm)
	if err != nil {
		return DEK{}, err
	}
	if req.Version == 0 {
		req.Version = 1
	}
	if req.Version < 1 {
		return DEK{}, errorf(ErrInvalidKey, "Invalid key: version %d must be 1 or more", req.Version)
	}
	if err := checkMaterial(req.EncryptedKeyMaterial); err != nil {
		return DEK{}, err
	}
	if err := s.mayWrite(ctx, req.Subject); err != nil {
		return DEK{}, err
	}
	d := DEK{KEKName: name, Subject: req.Subject, Version: req.Version, Algorithm: alg,
		EncryptedKeyMaterial: req.EncryptedKeyMaterial, Deleted: req.Deleted, Ts: millis(s.opts.Now())}
	err = s.store.Write(ctx, func(tx Tx) error {
		k, ok, err := tx.LockKEK(name)
		if err != nil {
			return err
		}
		if !ok || k.Deleted && !req.Deleted {
			return notFound(name)
		}
		if d.EncryptedKeyMaterial == "" {
			if k.Shared {
				return errorf(ErrInvalidKey, "Invalid key: encryptedKeyMaterial is required: KEK '%s' is shared, but Accord holds no KMS credentials and never generates or decrypts keys; "+
					"encrypt the DEK with the KEK in the client and send it, or use a KEK that is not shared", name)
			}
			return errorf(ErrInvalidKey, "Invalid key: encryptedKeyMaterial is required")
		}
		ds, err := tx.DEKs(name, d.Subject, alg)
		if err != nil {
			return err
		}
		if old, ok := pick(ds, d.Version, true); ok {
			if req.Deleted == old.Deleted || !old.equivalent(d) {
				return errorf(ErrAlreadyExists, "Key '%s' already exists; use a different value", d.Subject)
			}
			if err := tx.UpdateDEK(d); err != nil {
				return err
			}
			return recordDEK(tx, ActionDEKCreate, &old, &d)
		}
		if n, err := tx.Count(true); err != nil {
			return err
		} else if n >= s.opts.MaxKeys {
			return errorf(ErrTooManyKeys, "A maximum of %d keys already exist", s.opts.MaxKeys)
		}
		if err := tx.InsertDEK(d); err != nil {
			return err
		}
		return recordDEK(tx, ActionDEKCreate, nil, &d)
	})
	return d, err
}

func checkMaterial(m string) error {
	if m == "" {
		return nil
	}
	if len(m) > MaxKeyMaterialBytes {
		return errorf(ErrInvalidKey, "Invalid key: encryptedKeyMaterial is longer than %d bytes", MaxKeyMaterialBytes)
	}
	if _, err := base64.StdEncoding.DecodeString(m); err != nil {
		return errorf(ErrInvalidKey, "Invalid key: encryptedKeyMaterial is not standard base64: %v", err)
	}
	return nil
}

func recordDEK(tx Tx, action string, before, after *DEK) error {
	d := after
	if d == nil {
		d = before
	}
	n := registry.ParseName(d.Subject)
	var b, a json.RawMessage
	if before != nil {
		b = audit.Doc(before)
	}
	if after != nil {
		a = audit.Doc(after)
	}
	return tx.Record(action, n.Context, n.Subject, b, a)
}

// DeleteDEK soft-deletes version (-1: the latest; 0: every version) of a
// subject's DEK, or removes it when permanent (it must be soft-deleted
// first).
func (s *Service) DeleteDEK(ctx context.Context, name, subject string, version int, algorithm string, permanent bool) error {
	alg, err := s.checkDEKPath(name, subject, algorithm)
	if err != nil {
		return err
	}
	if err := s.mayWrite(ctx, subject); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		ds, err := s.targets(tx, name, subject, version, alg)
		if err != nil {
			return err
		}
		if permanent {
			for _, d := range ds {
				if !d.Deleted {
					return errorf(ErrKeyNotSoftDeleted, "Key '%s' was not deleted first before being permanently deleted", subject)
				}
			}
		}
		for _, d := range ds {
			if permanent {
				if err := tx.DeleteDEK(d); err != nil {
					return err
				}
				if err := recordDEK(tx, ActionDEKDeleteHard, &d, nil); err != nil {
					return err
				}
				continue
			}
			if err := s.markDEKDeleted(tx, d, true, ActionDEKDelete); err != nil {
				return err
			}
		}
		return nil
	})
}

// markDEKDeleted soft-deletes (or undeletes) old and records action; a
// DEK already in that state is left as it is, unrecorded (as
// markKEKDeleted for KEKs).
func (s *Service) markDEKDeleted(tx Tx, old DEK, deleted bool, action string) error {
	if old.Deleted == deleted {
		return nil
	}
	n := old
	n.Deleted, n.Ts = deleted, millis(s.opts.Now())
	if err := tx.UpdateDEK(n); err != nil {
		return err
	}
	return recordDEK(tx, action, &old, &n)
}

// targets reads, in tx, the KEK (soft-deleted or not) and the DEK
// versions a delete or undelete acts on: version, the latest (-1), or all
// (0). None is ErrKeyNotFound.
func (s *Service) targets(tx Tx, name, subject string, version int, alg Algorithm) ([]DEK, error) {
	if _, ok, err := tx.LockKEK(name); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFound(name)
	}
	ds, err := tx.DEKs(name, subject, alg)
	if err != nil {
		return nil, err
	}
	if version != 0 {
		d, ok := pick(ds, version, true)
		if !ok {
			return nil, notFound(subject)
		}
		return []DEK{d}, nil
	}
	if len(ds) == 0 {
		return nil, notFound(subject)
	}
	return ds, nil
}

// UndeleteDEK brings back version (-1: the latest; 0: every version) of
// a subject's DEK. The KEK must be live (ErrKeySoftDeleted).
func (s *Service) UndeleteDEK(ctx context.Context, name, subject string, version int, algorithm string) error {
	alg, err := s.checkDEKPath(name, subject, algorithm)
	if err != nil {
		return err
	}
	if err := s.mayWrite(ctx, subject); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		ds, err := s.targets(tx, name, subject, version, alg)
		if err != nil {
			return err
		}
		if k, _, err := tx.LockKEK(name); err != nil {
			return err
		} else if k.Deleted {
			return errorf(ErrKeySoftDeleted, "Key '%s' must be undeleted first", name)
		}
		for _, d := range ds {
			if err := s.markDEKDeleted(tx, d, false, ActionDEKUndelete); err != nil {
				return err
			}
		}
		return nil
	})
}

// String names a DEK for logs.
func (d DEK) String() string {
	return fmt.Sprintf("%s/%s/%s/v%d", d.KEKName, d.Subject, d.Algorithm, d.Version)
}
