package lineage

import (
	"context"
	"slices"
	"time"

	"github.com/accord/accord/contracts"
)

// maxContractChanges is how many changed stream contracts the index takes
// in place; past it (a feed reconnect, a bulk apply) a full load is
// cheaper than re-reading each changed contract's edges.
const maxContractChanges = 256

// changedStreams names the streams whose contract differs, for the index,
// between two snapshots (sorted by name, as contracts.Snapshot keeps
// them); it gives up (ok false) past maxContractChanges.
func changedStreams(old, cur []contracts.Stream) (names []string, ok bool) {
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || (i < len(old) && old[i].Name < cur[j].Name):
			names = append(names, old[i].Name)
			i++
		case i == len(old) || cur[j].Name < old[i].Name:
			names = append(names, cur[j].Name)
			j++
		default:
			if !sameInfo(newStreamInfo(&old[i]), newStreamInfo(&cur[j])) {
				names = append(names, cur[j].Name)
			}
			i, j = i+1, j+1
		}
		if len(names) > maxContractChanges {
			return nil, false
		}
	}
	return names, true
}

// sameInfo reports whether two contracts say the same to the index.
func sameInfo(a, b streamInfo) bool {
	if a.Owner != b.Owner || a.Visibility != b.Visibility || a.Domain != b.Domain || a.ValueSubject != b.ValueSubject ||
		!a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) || len(a.Consumers) != len(b.Consumers) {
		return false
	}
	if len(a.Consumers) == 0 || &a.Consumers[0] == &b.Consumers[0] {
		return true // snapshots share an unchanged stream's slices
	}
	return slices.EqualFunc(a.Consumers, b.Consumers, func(x, y contracts.Consumer) bool {
		return x.Principal == y.Principal && slices.Equal(x.Fields, y.Fields)
	})
}

// applyContracts brings ix up to date with the contracts snapshot when
// only contracts changed since ix was built (a stream created, changed,
// transferred or deleted here or, through the feed, on another replica):
// each changed contract's old and new edges are merged again with their
// stored sources, as applyWritten does for edge writes, so a contract
// write costs what it changes instead of a full load (which takes
// seconds at 10,000 streams). It reports false when the index must be
// loaded instead. Called under svc.mu, so no load runs meanwhile.
func (svc *Service) applyContracts(ctx context.Context, ix *index) bool {
	if svc.streams == nil || ix.snap == nil || ix.dirty != svc.dirty.Load() || ix.built.UnixNano() < svc.notBefore.Load() {
		return false
	}
	snap, err := svc.streams.Snapshot(ctx)
	if err != nil {
		return false
	}
	names, ok := changedStreams(ix.snap.All(), snap.All())
	if !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	svc.applyMu.Lock()
	defer svc.applyMu.Unlock()
	infos := make(map[string]*streamInfo, len(names))
	var keys []pairKey
	seen := map[pairKey]bool{}
	addKeys := func(name string, info *streamInfo) {
		for _, e := range info.edges(name) {
			if k := e.pair(); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	for _, name := range names {
		if old, ok := ix.streams[name]; ok {
			addKeys(name, &old)
		}
		if s, ok := snap.Get(name); ok {
			info := newStreamInfo(s)
			infos[name] = &info
			addKeys(name, &info)
		} else {
			infos[name] = nil
		}
	}
	rows := make([][]Edge, len(keys))
	for i, k := range keys {
		if rows[i], err = svc.store.Rows(ctx, k.kind, k.from, k.to); err != nil {
			return false
		}
	}
	svc.ixMu.Lock()
	defer svc.ixMu.Unlock()
	for name, info := range infos {
		if info == nil {
			delete(ix.streams, name)
			continue
		}
		ix.streams[name] = *info
		ix.intern(Node{StreamNode, name})
	}
	for i, k := range keys {
		ix.apply(k, rows[i])
	}
	svc.markApplied(keys)
	ix.snap = snap
	ix.gen.Store(ix.dirty + snap.Version())
	return true
}
