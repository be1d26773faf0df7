//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the lock file in the SQLite data folder. It holds the pid
// of the accord serve that has the folder.
const lockFileName = "accord.lock"

// dataLock is an exclusive lock on a SQLite data folder: SQLite serves one
// process (two processes would each cache what the other changes), so a
// second accord serve on the same folder must not start. The lock is an
// flock(2) on accord.lock, released by the kernel when the process exits,
// however it exits (kill -9 included), so a stale file never blocks a
// restart.
type dataLock struct{ f *os.File }

// lockDataDir creates dir if needed and takes its lock, or says why not in
// words a person acts on: the folder is read-only, or another process
// (named by pid) holds it.
func lockDataDir(dir string) (*dataLock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data folder %s: cannot create it: %w", abs, unwritable(err))
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w (accord serve writes its database and %s there)", abs, unwritable(err), lockFileName)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := "another process"
		if raw, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(raw))); perr == nil && pid > 0 {
				holder = "another accord serve (pid " + strconv.Itoa(pid) + ")"
			}
		}
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data folder %s is in use by %s: SQLite serves one process; stop it first, or run several replicas on PostgreSQL (--database-url)", abs, holder)
		}
		return nil, fmt.Errorf("data folder %s: locking %s: %w", abs, lockFileName, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		_ = f.Sync()
	}
	return &dataLock{f: f}, nil
}

// unwritable rewords the errors of a folder the process may not write.
func unwritable(err error) error {
	switch {
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("the folder is on a read-only file system: %w", err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("the folder is read-only for this user: %w", err)
	}
	return err
}

// release gives the folder up (the kernel also does at exit).
func (l *dataLock) release() {
	if l != nil && l.f != nil {
		_ = l.f.Close()
	}
}
