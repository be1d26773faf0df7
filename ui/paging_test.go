package ui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/registry"
	"github.com/accord/accord/ui"
)

// The subjects view pages through the registry's subject walk: each page
// shows its PageSize subjects in name order, and the count covers every
// subject matching the filter.
func TestSubjectsPaging(t *testing.T) {
	e := newEnv(t, true)
	admin := e.as("root")
	n := ui.PageSize + 5
	for i := range n {
		_, err := e.reg.Register(admin, fmt.Sprintf("paged-%03d-value", i), registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: `"string"`}})
		must(t, "register", err)
	}
	c := e.client().signedIn(t, "root")
	first := c.get(t, "/ui/subjects?prefix=paged-")
	wantStatus(t, "first page", first, 200)
	wantContains(t, "first page", first, fmt.Sprintf(`<strong class="total">%d</strong>`, n), "paged-000-value", fmt.Sprintf("paged-%03d-value", ui.PageSize-1), "page=2")
	if strings.Contains(first.body, fmt.Sprintf("paged-%03d-value", ui.PageSize)) {
		t.Errorf("the first page holds more than %d subjects", ui.PageSize)
	}
	second := c.get(t, "/ui/subjects?prefix=paged-&page=2")
	wantStatus(t, "second page", second, 200)
	wantContains(t, "second page", second, fmt.Sprintf(`<strong class="total">%d</strong>`, n), fmt.Sprintf("paged-%03d-value", ui.PageSize), fmt.Sprintf("paged-%03d-value", n-1))
	if strings.Contains(second.body, "paged-000-value") {
		t.Error("the second page repeats the first page's subjects")
	}
	past := c.get(t, "/ui/subjects?prefix=paged-&page=9")
	wantStatus(t, "past the end", past, 200)
	if strings.Contains(past.body, "paged-0") {
		t.Error("a page past the end lists subjects")
	}
}
