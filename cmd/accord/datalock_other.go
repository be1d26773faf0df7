//go:build !unix

package main

// dataLock is a no-op where flock(2) does not exist: the folder lock is
// for the Unix systems Accord is deployed on (see datalock.go).
type dataLock struct{}

func lockDataDir(string) (*dataLock, error) { return &dataLock{}, nil }

func (*dataLock) release() {}
