package contracts

// Invalidate tells this process's caches of streams that streams changed
// behind the Service's back (accord import writes stream rows directly):
// the Snapshot is dropped, read again by its next reader, and Generation
// changes.
func (svc *Service) Invalidate() { svc.snaps.invalidate() }
