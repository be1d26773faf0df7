package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestRouteOutsideTablePanics: a handler registered on the router without
// a row in the route-policy table stops the server at start-up.
func TestRouteOutsideTablePanics(t *testing.T) {
	s := &Server{}
	s.table = s.routeTable()
	r := chi.NewRouter()
	s.mount(r)
	s.checkRoutes(r) // the table's own routes pass

	r.Post("/v1/backdoor", func(http.ResponseWriter, *http.Request) {})
	defer func() {
		v := recover()
		if v == nil || !strings.Contains(v.(string), "POST /v1/backdoor is not in the route-policy table") {
			t.Fatalf("recovered %v, want a panic naming the route", v)
		}
	}()
	s.checkRoutes(r)
}
