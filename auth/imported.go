package auth

// PurgeCache forgets every cached verification, as a change made through
// the Authenticator does: accord import writes principals and tokens
// directly, and a cached failure of an imported credential must not linger.
func (a *Authenticator) PurgeCache() { a.cache.purge() }
