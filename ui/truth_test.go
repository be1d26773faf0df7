package ui_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
)

// Lineage truth and history: a stream no contract declares has a page
// that says so (not a 404) and is drawn as such; governance findings show
// on the stream and lineage pages; a reader's declared field the latest
// version lacks is flagged; each version says what it changed and its
// verdict.
func TestLineageTruthAndHistory(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	admin := e.as("root")
	// orders-archive: named by an edge, declared by no contract.
	_, err := e.lin.PutEdge(admin, lineage.Edge{Kind: lineage.DerivedFrom, From: "orders", To: "orders-archive"})
	must(t, "edge", err)
	_, err = e.lin.PutEdge(admin, lineage.Edge{Kind: lineage.Consumes, From: "orders-archive", To: "archive-svc"})
	must(t, "edge", err)
	// payments is private (domain of orders-svc): read from outside it.
	_, err = e.lin.PutEdge(admin, lineage.Edge{Kind: lineage.Consumes, From: "payments", To: "fraud-svc"})
	must(t, "edge", err)
	// billing-svc declares it reads id and total; a reader declares gone.
	_, err = e.streams.Update(admin, "orders", func(s *contracts.Stream) error {
		s.Consumers = append(s.Consumers, contracts.Consumer{Principal: "support-svc", Fields: []string{"id", "gone"}})
		return nil
	})
	must(t, "update", err)

	c := e.client().signedIn(t, "rita")
	a := c.get(t, "/ui/streams/orders-archive")
	wantStatus(t, "contractless", a, 200)
	wantContains(t, "contractless", a, "no contract", "No contract declares this stream", `href="/ui/streams/orders"`, `href="/ui/lineage?service=archive-svc"`)
	wantStatus(t, "unknown stream", c.get(t, "/ui/streams/nowhere"), 404)

	l := c.get(t, "/ui/lineage?stream=orders&depth=2")
	wantContains(t, "lineage", l, `<span class="badge nocontract">no contract</span>`, "orders-archive: stream, no contract", "Governance findings", "unowned_stream")
	wantLacks(t, "lineage", l, "aria-label=\"stream ")

	p := c.get(t, "/ui/streams/payments")
	wantContains(t, "payments", p, "Governance findings", "fraud-svc", "private_consumed_outside_domain")

	o := c.get(t, "/ui/streams/orders")
	wantContains(t, "orders", o, `<span class="stale"><code>gone</code> (stale)</span>`, "Change from the previous version", `<span class="added">+ total</span>`, `<span class="badge ok">compatible</span>`, "first version")
	// payments v1 -> v2 retypes amount: incompatible, and said so.
	wantContains(t, "payments", p, `<span class="retyped">~ amount retyped</span>`, `<span class="badge sev-error">incompatible</span>`)
}

// An error page links back to the page the user came from.
func TestErrorLinksBack(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	c := e.client().signedIn(t, "rita")
	req, _ := http.NewRequest("GET", e.URL+"/ui/streams/nowhere", nil)
	req.Header.Set("Referer", e.URL+"/ui/proposals?state=all")
	a := c.do(t, req)
	wantStatus(t, "missing stream", a, 404)
	wantContains(t, "missing stream", a, `<a href="/ui/proposals?state=all">Back to where you were</a>`)
	req.Header.Set("Referer", "https://elsewhere.example/ui/proposals")
	wantLacks(t, "foreign referer", c.do(t, req), "Back to where you were")
}

// A fan-out of more than 8 leaf consumers draws 5 and a "+N" node that
// draws them all; the node table lists every one.
func TestLineageFanOut(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	admin := e.as("root")
	for i := 0; i < 12; i++ {
		_, err := e.lin.PutEdge(admin, lineage.Edge{Kind: lineage.Consumes, From: "orders", To: fmt.Sprintf("reader-%02d", i)})
		must(t, "edge", err)
	}
	c := e.client().signedIn(t, "rita")
	a := c.get(t, "/ui/lineage?stream=orders&depth=1")
	wantStatus(t, "lineage", a, 200)
	wantContains(t, "lineage", a, ">&#43;8 consumers<", `data-name="reader-00"`, `<a href="/ui/lineage?service=reader-11">reader-11</a>`, "expand=all", `class="wide"`, "Fit to screen", "Find a node", `list="stream-names"`, `<option value="orders">`)
	wantLacks(t, "lineage", a, `data-name="reader-11"`)
	more := links(a.body, "expand=stream")
	if len(more) != 1 {
		t.Fatalf("expand links %v", more)
	}
	b := c.get(t, more[0])
	wantContains(t, "expanded", b, `data-name="reader-11"`)
	wantLacks(t, "expanded", b, "8 consumers")
}
