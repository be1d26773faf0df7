package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/accord/accord/registry"
)

// The Go heap's soft limit (runtime/debug.SetMemoryLimit). The caches are
// bounded (registry.CacheSizes), but without a limit the runtime lets the
// heap grow to twice what is live before it collects, so a server whose
// caches hold ~180 MiB reached ~420 MiB of RSS under traffic
// (bench/million). A limit makes the collector work harder as the heap
// nears it instead: RSS then follows the budgets. It is soft: a live heap
// above it is not an error, only collected more often (the runtime caps
// that effort at about half the CPU).
//
// --memory-limit-mib decides it: a number of MiB, 0 for no limit, or the
// default -1 for one derived from the cache budgets: what they hold at
// most, half as much again for what requests and the runtime allocate
// besides, plus memoryBaseMiB, capped at memoryCgroupShare of the
// container's memory limit (cgroup v2 memory.max, or v1's
// memory.limit_in_bytes), so the collector acts before the kernel's
// out-of-memory killer does. When GOMEMLIMIT is set and the flag is left
// at -1, the runtime's GOMEMLIMIT stays in force.

// memoryBaseMiB is what a server holds besides its caches (runtime,
// connection pools, buffers, the route tables): 35 MiB after start-up in
// bench/million, rounded up.
const memoryBaseMiB = 64

// memoryCgroupShare is the part of a container's memory limit the Go heap
// may take; the rest is for what the limit does not count (SQLite's page
// cache and other memory outside the Go heap, the kernel's accounting of
// page cache).
const memoryCgroupShare = 0.9

// cacheHoldBytes is the most the caches hold at the given budgets: the
// registry's schemas and the api's four encoded or decoded caches (a
// schema budget each: answers by id, by version, by version path, request
// bodies), the parsed schemas and parsed request bodies (a parsed budget
// each), and the subject views (≈ 250 bytes a version) with as many
// configs and modes (≈ 128 bytes each). See docs/limits.md.
func cacheHoldBytes(c registry.CacheSizes) int64 {
	return 5*c.SchemaBytes + 2*c.ParsedBytes + c.SubjectVersions*(250+2*128)
}

// memoryLimit decides the heap's soft limit in bytes (math.MaxInt64: none)
// and says why. flagMiB is --memory-limit-mib; cgroup the container's
// memory limit in bytes (0: none); gomemlimit whether GOMEMLIMIT is set.
func memoryLimit(flagMiB int64, caches registry.CacheSizes, cgroup int64, gomemlimit bool) (int64, string) {
	switch {
	case flagMiB == 0:
		return math.MaxInt64, "no limit (--memory-limit-mib 0)"
	case flagMiB > 0:
		return flagMiB << 20, "--memory-limit-mib"
	case gomemlimit:
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	}
	hold := cacheHoldBytes(caches)
	limit := hold + hold/2 + memoryBaseMiB<<20
	if cgroup > 0 {
		if c := int64(float64(cgroup) * memoryCgroupShare); c < limit {
			return c, fmt.Sprintf("%.0f%% of the container's memory limit (%d MiB), below what the cache budgets call for (%d MiB)", memoryCgroupShare*100, cgroup>>20, limit>>20)
		}
	}
	return limit, fmt.Sprintf("the cache budgets (%d MiB at most) plus half as much and %d MiB", hold>>20, memoryBaseMiB)
}

// cgroupMemoryLimit reads the memory limit of the process's cgroup under
// root ("/sys/fs/cgroup" in production), v2 then v1; 0 when there is none
// or it cannot be read.
func cgroupMemoryLimit(root string) int64 {
	for _, f := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(root + "/" + f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<62 { // v1 says "no limit" with a huge number
			return 0
		}
		return n
	}
	return 0
}

// applyMemoryLimit sets the heap's soft limit as --memory-limit-mib
// (flagMiB) says, logging it; a flag below -1 is a usage error (exit 2).
func applyMemoryLimit(log *slog.Logger, flagMiB int, caches registry.CacheSizes) int {
	if flagMiB < -1 {
		fmt.Fprintf(os.Stderr, "accord serve: --memory-limit-mib must be a number of MiB, 0 (no limit) or -1 (derived), not %d\n", flagMiB)
		return 2
	}
	_, gomem := os.LookupEnv("GOMEMLIMIT")
	limit, why := memoryLimit(int64(flagMiB), caches, cgroupMemoryLimit("/sys/fs/cgroup"), gomem)
	debug.SetMemoryLimit(limit)
	if limit == math.MaxInt64 {
		log.Info("Go heap without a soft limit", slog.String("why", why))
	} else {
		log.Info("Go heap soft limit", slog.Int64("mib", limit>>20), slog.String("why", why))
	}
	return 0
}
