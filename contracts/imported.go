package contracts

// Invalidate tells this process's caches of streams (those keyed by
// Generation) that streams changed behind the Service's back: accord
// import writes stream rows directly.
func (svc *Service) Invalidate() { svc.gen.Add(1) }
