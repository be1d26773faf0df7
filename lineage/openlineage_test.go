package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
)

func runEvent(t *testing.T, job, inputs, outputs string) RunEvent {
	t.Helper()
	doc := fmt.Sprintf(`{"eventType":"COMPLETE","eventTime":"2030-01-02T03:04:05Z","producer":"https://example.com/emitter",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":{"runId":"0190b8a4-6e2c-7d0e-8f00-000000000001","facets":{"nominalTime":{"nominalStartTime":"2030-01-02T03:00:00Z"}}},
		"job":{"namespace":"prod","name":%q,"facets":{}},"inputs":[%s],"outputs":[%s]}`, job, inputs, outputs)
	var ev RunEvent
	if err := json.Unmarshal([]byte(doc), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestOpenLineageIngestAndFindings(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.stream(t, contracts.Stream{Name: "users-private", Owner: "users-svc", Tags: contracts.Tags{Domain: "identity"}})
		e.stream(t, contracts.Stream{Name: "users-public", Owner: "users-svc", Visibility: contracts.Public, Tags: contracts.Tags{Domain: "identity"}})
		v1 := e.register(t, "users-private-value", userV1)
		e.register(t, "users-private-value", avroUser(`{"name":"id","type":"string"}`, `{"name":"name","type":"string"}`, `{"name":"email","type":"string"}`,
			`{"name":"age","type":"int"}`,
			`{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"}]}}`,
			`{"name":"tier","type":"string","default":"free"}`))
		if _, err := e.reg.DeleteVersion(ctx, "users-private-value", v1, false); err != nil {
			t.Fatal(err)
		}
		// The facet describes version 1 (no tier; age reported as a
		// bigint, which an int field may widen into).
		facet := `"facets":{"schema":{"_producer":"x","_schemaURL":"y","fields":[{"name":"id","type":"string"},{"name":"name","type":"STRING"},
			{"name":"email","type":"string"},{"name":"age","type":"bigint"},
			{"name":"address","type":"struct","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"}]}]}}`
		ev := runEvent(t, "fraud-svc",
			`{"namespace":"kafka://broker:9092","name":"users-private",`+facet+`},{"namespace":"postgres://db:5432","name":"public.accounts"}`,
			`{"namespace":"kafka://broker:9092","name":"fraud-alerts"}`)

		// Jobs are mapped to their owners: another service may not report
		// this one's runs.
		e.svc.opts.JobOwners = []JobOwner{{Pattern: "prod/fraud-*", Service: "fraud-svc"}}
		if _, err := e.svc.Ingest(auth.WithPrincipal(ctx, &auth.Principal{Name: "other-svc", Roles: []auth.Role{auth.RoleService}}), ev); !errors.Is(err, ErrForbidden) {
			t.Errorf("another service's run: %v, want ErrForbidden", err)
		}
		res, err := e.svc.Ingest(auth.WithPrincipal(ctx, &auth.Principal{Name: "fraud-svc", Roles: []auth.Role{auth.RoleService}}), ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Edges) != 2 || res.Edges[0].Key() != "consumes users-private -> prod/fraud-svc" || res.Edges[0].Version != 1 ||
			res.Edges[1].Key() != "produces prod/fraud-svc -> fraud-alerts" || res.Service != "fraud-svc" || res.Edges[0].Service() != "fraud-svc" {
			t.Errorf("edges: %+v", res.Edges)
		}
		// The schema facet lists what the job reads.
		eq(t, "fields read", res.Edges[0].Fields, []string{"address", "address.city", "address.street", "age", "email", "id", "name"})
		eq(t, "ignored", res.Ignored, []IgnoredDataset{{Namespace: "postgres://db:5432", Name: "public.accounts", Reason: "not a Kafka topic (namespace is not kafka://)"}})
		eq(t, "differences", res.SchemaDifferences, []StreamDifferences{{Stream: "users-private", Subject: "users-private-value", Version: 1,
			Differences: []SchemaDifference{{Path: "tier", Kind: MissingInEvent, Registered: "string"}}}})

		// Ingesting the same run again only moves last_seen.
		if _, err := e.svc.Ingest(ctx, ev); err != nil {
			t.Fatal(err)
		}
		es, err := e.svc.Edges(ctx, EdgeFilter{Source: SourceOpenLineage})
		if err != nil || len(es) != 2 {
			t.Fatalf("learned edges: %+v %v", es, err)
		}

		// A public stream derived from the private one by its owner is
		// inside the domain; a consumer from elsewhere is not.
		e.edge(t, DerivedFrom, "users-private", "users-public")
		e.edge(t, Consumes, "orphan-topic", "fraud-svc")
		fs, err := e.svc.Findings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Kind+" "+f.Stream+" "+f.Service)
		}
		eq(t, "findings", got, []string{
			"unowned_stream fraud-alerts ",
			"unowned_stream orphan-topic ",
			"consumer_of_deleted_version users-private fraud-svc",
			"private_consumed_outside_domain users-private fraud-svc",
			"schema_drift users-private fraud-svc",
		})

		// A producer other than the owner, learned from a run.
		ev = runEvent(t, "rogue-svc", ``, `{"namespace":"kafka://broker:9092","name":"users-public"}`)
		if _, err := e.svc.Ingest(ctx, ev); err != nil {
			t.Fatal(err)
		}
		fs, _ = e.svc.Findings(ctx)
		found := false
		for _, f := range fs {
			found = found || (f.Kind == FindingProducerNotOwner && f.Service == "rogue-svc" && f.Stream == "users-public")
		}
		if !found {
			t.Errorf("no producer_not_owner finding: %+v", fs)
		}
		if _, err := e.svc.Ingest(ctx, runEvent(t, "", ``, ``)); !errors.Is(err, ErrInvalid) {
			t.Errorf("no job name: %v", err)
		}
	})
}
