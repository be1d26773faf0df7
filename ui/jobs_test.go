package ui_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accord/accord/lineage"
)

// TestJobsInLineageAndProposal: a processing job learned from OpenLineage
// shows as a job of its owning service on the lineage page, and a
// proposal's impact shows the whole path through it.
func TestJobsInLineageAndProposal(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	var ev lineage.RunEvent
	must(t, "event", json.Unmarshal([]byte(`{"eventType":"COMPLETE","eventTime":"2030-01-02T03:04:05Z","producer":"x",
		"run":{"runId":"r1"},"job":{"namespace":"flink-jobs","name":"orders_enriched_job"},
		"inputs":[{"namespace":"kafka://prod:9092","name":"orders"}],
		"outputs":[{"namespace":"kafka://prod:9092","name":"orders-enriched"}]}`), &ev))
	_, err := e.lin.Ingest(e.as("root"), ev)
	must(t, "ingest", err)
	_, err = e.lin.PutEdge(e.as("root"), lineage.Edge{Kind: lineage.Consumes, From: "orders-enriched", To: "bi-svc", Fields: []string{"total"}})
	must(t, "edge", err)

	c := e.client().signedIn(t, "root")
	a := c.get(t, "/ui/lineage?stream=orders&depth=2")
	wantStatus(t, "lineage", a, 200)
	wantContains(t, "lineage", a, `class="node job"`, `href="/ui/lineage?job=flink-jobs%2Forders_enriched_job"`, "job of root", `job of <a href="/ui/lineage?service=root">root</a>`)
	a = c.get(t, "/ui/lineage?job=flink-jobs%2Forders_enriched_job")
	wantStatus(t, "job lineage", a, 200)
	wantContains(t, "job lineage", a, "Lineage of job flink-jobs/orders_enriched_job", `href="/ui/streams/orders-enriched"`)

	a = c.get(t, fmt.Sprintf("/ui/proposals/%d", pr.ID))
	wantStatus(t, "proposal", a, 200)
	wantContains(t, "proposal", a, "Streams reached", `<span class="job">job flink-jobs/orders_enriched_job (of root)</span> → orders-enriched → bi-svc`, "through job")
}
