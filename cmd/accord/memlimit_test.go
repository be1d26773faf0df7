package main

import (
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/accord/accord/registry"
)

func TestMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	def := registry.DefaultCacheSizes
	// The defaults hold 5×16 + 2×32 MiB + 100,000 × 506 bytes ≈ 192 MiB;
	// the derived limit is that and half as much again, plus 64 MiB.
	defHold := cacheHoldBytes(def)
	if defHold < 188*mib || defHold > 196*mib {
		t.Fatalf("the default budgets hold %d MiB, want ≈ 192 (docs/limits.md says ≈ 195)", defHold/mib)
	}
	derived := defHold + defHold/2 + memoryBaseMiB*mib
	small := registry.CacheSizes{SchemaBytes: 4 * mib, ParsedBytes: 8 * mib, SubjectVersions: 10_000}
	smallHold := cacheHoldBytes(small)
	for _, tc := range []struct {
		name       string
		flag       int64
		caches     registry.CacheSizes
		cgroup     int64
		gomemlimit bool
		want       int64
	}{
		{"derived from the default budgets", -1, def, 0, false, derived},
		{"derived from smaller budgets", -1, small, 0, false, smallHold + smallHold/2 + memoryBaseMiB*mib},
		{"a roomy container does not lower it", -1, def, 4096 * mib, false, derived},
		{"a tight container caps it at 90 %", -1, def, 300 * mib, false, 270 * mib},
		{"the flag wins over the container", 1000, def, 256 * mib, false, 1000 * mib},
		{"the flag wins over GOMEMLIMIT", 500, def, 0, true, 500 * mib},
		{"0 is no limit", 0, def, 256 * mib, false, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := memoryLimit(tc.flag, tc.caches, tc.cgroup, tc.gomemlimit)
			if got != tc.want || why == "" {
				t.Fatalf("memoryLimit = %d MiB (%q), want %d MiB", got/mib, why, tc.want/mib)
			}
		})
	}

	// With GOMEMLIMIT set and the flag at -1, the runtime's limit stays.
	old := debug.SetMemoryLimit(777 * mib)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	if got, why := memoryLimit(-1, def, 0, true); got != 777*mib || why != "GOMEMLIMIT" {
		t.Fatalf("with GOMEMLIMIT: %d MiB (%q), want 777 (GOMEMLIMIT)", got/mib, why)
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want                int64
	}{
		{"v2 limit", "memory.max", "536870912\n", 512 << 20},
		{"v2 no limit", "memory.max", "max\n", 0},
		{"v1 limit", "memory/memory.limit_in_bytes", "1073741824\n", 1 << 30},
		{"v1 no limit", "memory/memory.limit_in_bytes", "9223372036854771712\n", 0},
		{"garbage", "memory.max", "lots\n", 0},
		{"no cgroup files", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.file != "" {
				p := filepath.Join(root, tc.file)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := cgroupMemoryLimit(root); got != tc.want {
				t.Fatalf("cgroupMemoryLimit = %d, want %d", got, tc.want)
			}
		})
	}
}

// applyMemoryLimit sets the runtime's limit; a flag below -1 is a usage
// error before anything is opened.
func TestApplyMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if code := applyMemoryLimit(log, 300, registry.DefaultCacheSizes); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Fatalf("runtime memory limit %d, want 300 MiB", got)
	}
	if code := applyMemoryLimit(log, 0, registry.DefaultCacheSizes); code != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("--memory-limit-mib 0: exit %d, limit %d, want no limit", code, debug.SetMemoryLimit(-1))
	}
	if code := run([]string{"serve", "--memory-limit-mib", "-2"}); code != 2 {
		t.Fatalf("accord serve --memory-limit-mib -2: exit %d, want 2", code)
	}
}
