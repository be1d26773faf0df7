package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/accord/accord/api"
	"github.com/accord/accord/contracts"
)

// TestSecurityDocListsEveryRoute: docs/security.md shows the route-policy
// table as the server has it (every route, its roles and rules), so the
// threat model cannot drift from the code. ACCORD_UPDATE_DOCS=1 rewrites
// the block.
func TestSecurityDocListsEveryRoute(t *testing.T) {
	f := startFixture(t, t.TempDir(), contracts.UnownedOpen)
	var b strings.Builder
	b.WriteString("| method | route | roles | ownership rule |\n|---|---|---|---|\n")
	for _, p := range f.handler.Policy() {
		roles := "open (no credentials)"
		if !p.Open {
			roles = api.RolesString(p.Roles)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", p.Method, p.Pattern, roles, strings.Join(p.Rules, "; "))
	}
	const path, begin, end = "../docs/security.md", "<!-- routes:begin -->\n", "<!-- routes:end -->"
	doc, err := os.ReadFile(path)
	must(t, "reading the threat model", err)
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q block", path, begin, end)
	}
	have, want := string(doc[i+len(begin):j]), b.String()
	if have == want {
		return
	}
	if os.Getenv("ACCORD_UPDATE_DOCS") == "1" {
		must(t, "writing", os.WriteFile(path, []byte(string(doc[:i+len(begin)])+want+string(doc[j:])), 0o644))
		return
	}
	t.Errorf("%s's route table is not the server's (ACCORD_UPDATE_DOCS=1 go test -run TestSecurityDocListsEveryRoute ./api/ rewrites it); want:\n%s", path, want)
}
