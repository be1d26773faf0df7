package validator_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestEmbeddingLinksNoDatabase: a program that embeds the validator (or
// the proxy built on it) links no database driver, no SQL store and no
// migrations; nor do the domain packages whose SQL stores live in
// subpackages (lineage: lineage/sqllineage), which do not import
// database/sql themselves either. It fails when an import brings one
// back, naming the chain.
func TestEmbeddingLinksNoDatabase(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	forbidden := []string{
		"modernc.org/sqlite",
		"github.com/mattn/go-sqlite3",
		"github.com/jackc/pgx",
		"github.com/lib/pq",
		"github.com/accord/accord/migrations",
		"github.com/accord/accord/registry/sqlstore",
	}
	// direct: packages that must not import database/sql themselves (their
	// stores do; the audit log's Append, which they may link, takes a
	// transaction).
	direct := map[string]bool{"github.com/accord/accord/lineage": true}
	for _, pkg := range []string{"github.com/accord/accord/contracts/validator", "github.com/accord/accord/contracts/proxy", "github.com/accord/accord/lineage"} {
		out, err := exec.CommandContext(t.Context(), goBin, "list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		imports := map[string][]string{} // package → its imports
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			p, deps, _ := strings.Cut(line, ": ")
			imports[p] = strings.Fields(deps)
		}
		if len(imports) < 10 {
			t.Fatalf("go list -deps %s listed %d packages: %s", pkg, len(imports), out)
		}
		if direct[pkg] && slices.Contains(imports[pkg], "database/sql") {
			t.Errorf("%s imports database/sql; its SQL belongs in its store's package", pkg)
		}
		for p := range imports {
			for _, f := range forbidden {
				if p == f || strings.HasPrefix(p, f+"/") {
					t.Errorf("%s links %s: %s", pkg, p, strings.Join(chain(imports, pkg, p), " → "))
				}
			}
		}
	}
}

// chain is a path of imports from root to target, for the failure message.
func chain(imports map[string][]string, root, target string) []string {
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == target {
			var out []string
			for ; p != ""; p = prev[p] {
				out = append([]string{p}, out...)
			}
			return out
		}
		for _, d := range imports[p] {
			if _, seen := prev[d]; !seen {
				prev[d] = p
				queue = append(queue, d)
			}
		}
	}
	return []string{root, "…", target}
}
