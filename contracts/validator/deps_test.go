package validator_test

import (
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/accord/accord"

// drivers are the database drivers no domain package and no embedder of
// the validator may link.
var drivers = []string{
	"modernc.org/sqlite",
	"github.com/mattn/go-sqlite3",
	"github.com/jackc/pgx",
	"github.com/lib/pq",
}

// forbidden reports why p may not be linked: a database driver, the
// migrations, or a SQL store of the project (registry/sqlstore and each
// domain's sql* subpackage); "" when it may.
func forbidden(p string) string {
	for _, d := range drivers {
		if p == d || strings.HasPrefix(p, d+"/") {
			return "a database driver"
		}
	}
	switch {
	case p == module+"/migrations":
		return "the migrations"
	case strings.HasPrefix(p, module+"/") && strings.HasPrefix(path.Base(p), "sql"):
		return "a SQL store"
	}
	return ""
}

// TestEmbeddingLinksNoDatabase: a program that embeds the validator (or
// the proxy built on it) links no database driver, no SQL store and no
// migrations. It fails when an import brings one back, naming the chain.
func TestEmbeddingLinksNoDatabase(t *testing.T) {
	roots := []string{module + "/contracts/validator", module + "/contracts/proxy"}
	g := importGraph(t, roots...)
	for _, root := range roots {
		for _, bad := range linked(g, root, nil) {
			t.Errorf("%s links %s", root, bad)
		}
	}
}

// domainPackages are the domain services whose SQL store lives in a
// subpackage of its own (design.md: "*/sql..."), and audit, which the
// stores share. Each links no database driver, no migrations and no SQL
// store, so that what embeds or tests a service chooses its store. All
// but audit (whose Append runs in the caller's *sql.Tx) also do not
// import database/sql themselves: their stores are behind interfaces.
var domainPackages = []struct {
	pkg          string
	importsSQLOK bool
}{
	{module + "/auth", false},
	{module + "/contracts", false},
	{module + "/dek", false},
	{module + "/lineage", false},
	{module + "/proposals", false},
	{module + "/registry", false},
	{module + "/audit", true},
}

// pending are domain packages whose store is being moved out (issue 16)
// on another branch: the test does not follow their imports (so a package
// that imports one is judged on the rest of its graph) and fails once a
// pending package links no database, so that its entry goes with the move.
var pending = map[string]string{}

// TestDomainPackagesLinkNoDatabase: go list -deps of each domain package
// names no database driver, no migrations and no SQL store, and the
// package does not import database/sql itself (audit excepted). It fails
// naming the import chain.
func TestDomainPackagesLinkNoDatabase(t *testing.T) {
	var roots []string
	for _, d := range domainPackages {
		roots = append(roots, d.pkg)
	}
	g := importGraph(t, roots...)
	for _, d := range domainPackages {
		if why, ok := pending[d.pkg]; ok {
			if bad := linked(g, d.pkg, nil); len(bad) == 0 {
				t.Errorf("%s links no database any more: remove it from pending in %s", d.pkg, "contracts/validator/deps_test.go")
			} else {
				t.Logf("%s still links a database (%s): %s", d.pkg, why, bad[0])
			}
			continue
		}
		if !d.importsSQLOK && slices.Contains(g[d.pkg], "database/sql") {
			t.Errorf("%s imports database/sql: its store belongs in a sql* subpackage behind an interface", d.pkg)
		}
		for _, bad := range linked(g, d.pkg, pending) {
			t.Errorf("%s links %s", d.pkg, bad)
		}
	}
}

// importGraph runs go list -deps on roots and returns every listed
// package's imports.
func importGraph(t *testing.T, roots ...string) map[string][]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}"}, roots...)
	out, err := exec.CommandContext(t.Context(), goBin, args...).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", strings.Join(roots, " "), err)
	}
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p, deps, _ := strings.Cut(line, ": ")
		g[p] = strings.Fields(deps)
	}
	for _, r := range roots {
		if _, ok := g[r]; !ok || len(g) < 10 {
			t.Fatalf("go list -deps %s listed %d packages, not %s: %s", strings.Join(roots, " "), len(g), r, out)
		}
	}
	return g
}

// linked lists what root links that it may not, each with the import
// chain that brings it, not following the imports of the packages in
// skip (root itself is always followed).
func linked(g map[string][]string, root string, skip map[string]string) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	var bad []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if why := forbidden(p); why != "" {
			var chain []string
			for q := p; q != ""; q = prev[q] {
				chain = append([]string{q}, chain...)
			}
			bad = append(bad, why+": "+strings.Join(chain, " → "))
			continue
		}
		if _, ok := skip[p]; ok && p != root {
			continue
		}
		for _, d := range g[p] {
			if _, seen := prev[d]; !seen {
				prev[d] = p
				queue = append(queue, d)
			}
		}
	}
	slices.Sort(bad)
	return bad
}
