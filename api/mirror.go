package api

// The stream mirror: responses for versions of a subject that belongs to a
// stream carry the stream's name, owner, event type and visibility in
// metadata.properties (accord.*), so that Confluent-aware tools see them.
// They are computed when a response is built, never stored or
// fingerprinted: an ownership transfer does not change schema identity.

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

// StreamDirectory says which stream a subject belongs to. The contracts
// service implements it.
type StreamDirectory interface {
	StreamOfSubject(ctx context.Context, subject string) (contracts.SubjectStream, bool, error)
}

// Mirrored metadata properties.
const (
	PropStream     = registry.MirrorPrefix + "stream"
	PropOwner      = registry.MirrorPrefix + "owner"
	PropEventType  = registry.MirrorPrefix + "eventType"
	PropVisibility = registry.MirrorPrefix + "visibility"
)

// StreamSnapshots is a StreamDirectory that holds every stream in memory,
// current up to the registry's change feed (contracts.Service). The mirror
// then reads it, never the database: an index of its subjects, rebuilt
// when its version moves.
type StreamSnapshots interface {
	Snapshot(ctx context.Context) (*contracts.Snapshot, error)
}

// mirrorTTL bounds, for a StreamDirectory that is not a StreamSnapshots,
// how long a server may mirror a stream's previous owner after a change
// made through another server sharing the database; changes made through
// this one reset the cache at once. Reads of subject versions thus cost at
// most one stream lookup per subject per mirrorTTL. (With StreamSnapshots
// the mirror is as current as the snapshot: a change through this server
// at once, another replica's when the change feed reports it.)
const mirrorTTL = 5 * time.Second

// mirror is what a subject's responses add.
type mirror struct {
	props map[string]string // nil: the subject belongs to no stream
	// key identifies props in response-cache keys, so that a cached body
	// is never served with another owner.
	key string
}

type mirrorEntry struct {
	mirror
	expires time.Time
}

type mirrorCache struct {
	dir StreamDirectory // nil: no mirror
	// snaps is dir when it keeps a snapshot (then the fields below are
	// unused but for index).
	snaps   StreamSnapshots
	index   atomic.Pointer[mirrorIndex]
	gen     atomic.Uint64
	entries *lru.Cache[string, mirrorEntry]
	now     func() time.Time
}

// mirrorIndex is the mirror of every subject of one contracts.Snapshot.
type mirrorIndex struct {
	version   uint64
	bySubject map[string]mirror
}

func newMirrorCache(dir StreamDirectory) *mirrorCache {
	entries, _ := lru.New[string, mirrorEntry](16384)
	c := &mirrorCache{dir: dir, entries: entries, now: time.Now}
	c.snaps, _ = dir.(StreamSnapshots)
	return c
}

// reset forgets everything: a stream was created, changed, transferred or
// deleted through this server.
func (c *mirrorCache) reset() {
	c.gen.Add(1)
	c.entries.Purge()
}

// version identifies the state the mirror answers from: the streams'
// snapshot's version (0 without a directory). ok is false for a
// directory without snapshots, whose mirrors expire by time instead.
func (c *mirrorCache) version(ctx context.Context) (v uint64, ok bool, err error) {
	switch {
	case c.dir == nil:
		return 0, true, nil
	case c.snaps == nil:
		return 0, false, nil
	}
	snap, err := c.snaps.Snapshot(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("reading the streams' snapshot: %w", err)
	}
	return snap.Version(), true, nil
}

// of returns the mirror of subject (a qualified name).
func (c *mirrorCache) of(ctx context.Context, subject string) (mirror, error) {
	if c.dir == nil {
		return mirror{}, nil
	}
	if c.snaps != nil {
		return c.fromSnapshot(ctx, subject)
	}
	now := c.now()
	if e, ok := c.entries.Get(subject); ok && now.Before(e.expires) {
		return e.mirror, nil
	}
	gen := c.gen.Load()
	st, ok, err := c.dir.StreamOfSubject(ctx, subject)
	if err != nil {
		return mirror{}, fmt.Errorf("finding the stream of subject %s: %w", subject, err)
	}
	var m mirror
	if ok {
		m = mirrorOf(st)
	}
	// A lookup that raced a reset may hold the old owner: use it for this
	// response but do not keep it.
	if c.gen.Load() == gen {
		c.entries.Add(subject, mirrorEntry{mirror: m, expires: now.Add(mirrorTTL)})
	}
	return m, nil
}

// mirrorOf is what the subjects of st mirror.
func mirrorOf(st contracts.SubjectStream) mirror {
	return mirror{
		props: map[string]string{
			PropStream:     st.Stream,
			PropOwner:      st.Owner,
			PropEventType:  string(st.EventType),
			PropVisibility: string(st.Visibility),
		},
		key: st.Stream + "\x00" + st.Owner + "\x00" + string(st.EventType) + "\x00" + string(st.Visibility),
	}
}

// fromSnapshot returns the mirror of subject from the streams' snapshot:
// a map look-up, the index being rebuilt (O(streams), as the snapshot
// itself is) by the first read after the snapshot moved.
func (c *mirrorCache) fromSnapshot(ctx context.Context, subject string) (mirror, error) {
	snap, err := c.snaps.Snapshot(ctx)
	if err != nil {
		return mirror{}, fmt.Errorf("finding the stream of subject %s: %w", subject, err)
	}
	idx := c.index.Load()
	if idx == nil || idx.version != snap.Version() {
		idx = newMirrorIndex(snap)
		c.index.Store(idx) // a racing reader may store an older one: the next read rebuilds
	}
	if m, ok := idx.bySubject[subject]; ok {
		return m, nil
	}
	// Streams index their subjects in canonical form (as
	// contracts.Service.StreamOfSubject looks them up).
	if canon := registry.ParseName(strings.TrimSpace(subject)).String(); canon != subject {
		return idx.bySubject[canon], nil
	}
	return mirror{}, nil
}

func newMirrorIndex(snap *contracts.Snapshot) *mirrorIndex {
	idx := &mirrorIndex{version: snap.Version(), bySubject: map[string]mirror{}}
	for _, st := range snap.All() {
		m := mirrorOf(contracts.SubjectStream{Stream: st.Name, Owner: st.Owner, EventType: st.EventType, Visibility: st.Visibility})
		for _, subject := range st.Subjects() {
			idx.bySubject[subject] = m
		}
	}
	return idx
}

// apply adds the mirrored properties to a version's response body.
func (m mirror) apply(b *schemaBody) error {
	if m.props == nil {
		return nil
	}
	md, err := registry.WithProperties(b.Metadata, m.props)
	if err != nil {
		return fmt.Errorf("adding the stream's properties to the metadata of %s version %d: %w", b.Subject, b.Version, err)
	}
	b.Metadata = md
	return nil
}

// mirroredVersion is the response body of a subject version.
func (s *Server) mirroredVersion(ctx context.Context, v registry.SchemaVersion) (schemaBody, mirror, error) {
	b := versionBody(v)
	m, err := s.mirror.of(ctx, v.Subject)
	if err != nil {
		return schemaBody{}, mirror{}, err
	}
	return b, m, m.apply(&b)
}
