package lineage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
)

func names(g Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		out = append(out, fmt.Sprintf("%s:%s@%d", n.Kind, n.Name, n.Depth))
	}
	sort.Strings(out)
	return out
}

func TestWalks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		derivationGraph(t, e)
		e.edge(t, Produces, "search-svc", "search-index") // search-svc's consumer-side output
		e.edge(t, Consumes, "users-public", "search-svc")
		for _, c := range []struct {
			root  Node
			dir   Direction
			depth int
			want  []string
		}{
			{Node{StreamNode, "users-private"}, Downstream, 1, []string{"service:billing-svc@1", "service:mail-svc@1", "stream:users-private@0", "stream:users-public@1"}},
			{Node{StreamNode, "users-public"}, Downstream, 2, []string{"service:crm-svc@1", "service:search-svc@1", "service:search-ui@2", "stream:search-index@2", "stream:users-analytics@2", "stream:users-public@0", "stream:users-search@1"}},
			{Node{StreamNode, "users-analytics"}, Upstream, 3, []string{"service:search-svc@2", "service:users-svc@3", "stream:users-analytics@0", "stream:users-private@3", "stream:users-public@2", "stream:users-search@1"}},
			{Node{ServiceNode, "bi-svc"}, Upstream, 1, []string{"service:bi-svc@0", "stream:users-analytics@1"}},
			{Node{ServiceNode, "users-svc"}, Downstream, 1, []string{"service:users-svc@0", "stream:users-private@1", "stream:users-public@1"}},
		} {
			t.Run(fmt.Sprintf("%s %s %d", c.root.Name, map[Direction]string{Downstream: "down", Upstream: "up"}[c.dir], c.depth), func(t *testing.T) {
				g, err := e.svc.Walk(context.Background(), c.root, c.dir, c.depth)
				if err != nil {
					t.Fatal(err)
				}
				eq(t, "nodes", names(g), c.want)
			})
		}
		if _, err := e.svc.Walk(context.Background(), Node{StreamNode, "nowhere"}, Downstream, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown node: %v", err)
		}

		deps, err := e.svc.Dependencies(context.Background(), "crm-svc")
		if err != nil {
			t.Fatal(err)
		}
		if len(deps.Consumes) != 1 || deps.Consumes[0].Stream != "users-public" || fmt.Sprint(deps.Consumes[0].Producers) != "[users-svc]" ||
			fmt.Sprint(deps.Consumes[0].Fields) != "[id name]" || len(deps.Consumes[0].Upstream) != 1 || deps.Consumes[0].Upstream[0].Stream != "users-private" {
			t.Errorf("crm-svc dependencies: %+v", deps)
		}
		deps, err = e.svc.Dependencies(context.Background(), "bi-svc")
		if err != nil {
			t.Fatal(err)
		}
		if up := deps.Consumes[0].Upstream; len(up) != 3 || up[2].Stream != "users-private" || up[2].Depth != 3 {
			t.Errorf("bi-svc upstream: %+v", up)
		}

		whole, err := e.svc.Whole(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// 3 contract produces + 1 contract consumes + 9 declared edges.
		if len(whole.Edges) != 13 || len(whole.Nodes) != 12 {
			t.Errorf("whole graph: %d nodes, %d edges: %v", len(whole.Nodes), len(whole.Edges), names(whole))
		}
	})
}

func TestEdgeWritesAuthorizationAndAudit(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.stream(t, contracts.Stream{Name: "orders", Owner: "orders-svc"})
		as := func(name string, roles ...auth.Role) context.Context {
			return audit.WithWho(auth.WithPrincipal(context.Background(), &auth.Principal{Name: name, Roles: roles}), audit.Who{Actor: name, RequestID: "r-" + name})
		}
		svc := auth.RoleService
		for _, c := range []struct {
			ctx  context.Context
			edge Edge
			want error
		}{
			{as("billing-svc", svc), Edge{Kind: Consumes, From: "orders", To: "billing-svc", Fields: []string{"total", " id", "total"}}, nil},
			{as("billing-svc", svc), Edge{Kind: Consumes, From: "orders", To: "other-svc"}, ErrForbidden},
			{as("rev", auth.RoleReviewer), Edge{Kind: Consumes, From: "orders", To: "rev"}, ErrForbidden},
			{as("billing-svc", svc), Edge{Kind: Produces, From: "billing-svc", To: "orders"}, ErrConflict},
			{as("orders-svc", svc), Edge{Kind: DerivedFrom, From: "raw-orders", To: "orders"}, nil},
			{as("billing-svc", svc), Edge{Kind: DerivedFrom, From: "raw-orders", To: "orders"}, ErrForbidden},
			{as("root", auth.RoleAdmin), Edge{Kind: "feeds", From: "a", To: "b"}, ErrInvalid},
			{as("root", auth.RoleAdmin), Edge{Kind: DerivedFrom, From: "a", To: "a"}, ErrInvalid},
			{as("root", auth.RoleAdmin), Edge{Kind: Consumes, From: "orders", To: "bad name"}, ErrInvalid},
		} {
			_, err := e.svc.PutEdge(c.ctx, c.edge)
			if (c.want == nil && err != nil) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("%s: %v, want %v", c.edge.Key(), err, c.want)
			}
		}
		es, err := e.svc.Edges(context.Background(), EdgeFilter{Node: "billing-svc"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || fmt.Sprint(es[0].Fields) != "[id total]" || fmt.Sprint(es[0].Sources) != "[api]" {
			t.Errorf("billing-svc edges: %+v", es)
		}
		// Declaring it again with the same content records nothing.
		if _, err := e.svc.PutEdge(as("billing-svc", svc), Edge{Kind: Consumes, From: "orders", To: "billing-svc", Fields: []string{"id", "total"}}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteEdge(as("billing-svc", svc), Consumes, "orders", "billing-svc"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteEdge(as("billing-svc", svc), Consumes, "orders", "billing-svc"); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		entries, err := e.audit.List(context.Background(), audit.Filter{Action: "lineage."})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, en := range entries {
			got = append(got, en.Actor+" "+en.Action+" "+en.Target)
		}
		eq(t, "audit", got, []string{
			"billing-svc lineage.edge_delete consumes orders -> billing-svc",
			"orders-svc lineage.edge_create derived_from raw-orders -> orders",
			"billing-svc lineage.edge_create consumes orders -> billing-svc",
		})
	})
}

func TestStaleEdges(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.stream(t, contracts.Stream{Name: "orders", Owner: "orders-svc", Consumers: []contracts.Consumer{{Principal: "a-svc"}}})
	e.edge(t, Consumes, "orders", "b-svc")
	e.svc.now = func() time.Time { return time.Now().UTC().Add(DefaultStaleAfter + time.Hour) }
	es, err := e.svc.Edges(context.Background(), EdgeFilter{Stale: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].To != "b-svc" {
		t.Errorf("stale edges: %+v (contract edges are never stale)", es)
	}
}
