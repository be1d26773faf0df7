package metrics

import (
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Build describes the running binary, from runtime/debug.ReadBuildInfo.
type Build struct {
	Version   string // the module version, or what -ldflags set, or "dev"
	Commit    string // vcs.revision, "unknown" when not built from a checkout
	Modified  bool   // vcs.modified: built from a checkout with changes
	GoVersion string
}

// ReadBuild describes the running binary; version, when not "" or "dev",
// wins over the module version, and commit, when not "", over the VCS
// stamp (both are what -ldflags "-X main.version=... -X main.commit=..."
// set).
func ReadBuild(version, commit string) Build {
	b := Build{Version: version, Commit: "unknown", GoVersion: "unknown"}
	defer func() {
		if commit != "" {
			b.Commit = commit
		}
	}()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "dev"
		}
		return b
	}
	b.GoVersion = info.GoVersion
	if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// buildInfo is the constant accord_build_info{version,commit,go_version} 1.
func buildInfo(b Build) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "accord_build_info",
		Help:        "The running binary: version, commit and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "go_version": b.GoVersion},
	})
	g.Set(1)
	return g
}
