//go:build unix

package jsonschema

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (all threads, user and
// system): benchmarks report it per operation because wall time on a
// shared machine also counts other processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
