package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
)

// The run events below are written for these tests in the shapes the
// OpenLineage integrations emit (spec 2-0-2: the Flink integration's
// kafka:// datasets with schema facets, Spark's columnLineage facet on
// outputs, a Kafka Connect sink whose output is not a topic); none is
// copied from a fixture.

const prodKafka = "kafka://kafka-cluster-prod:9092"

var (
	orderV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
		{"name":"id","type":"string"},{"name":"customer","type":"string"},{"name":"total","type":"long"},
		{"name":"lines","type":{"type":"record","name":"Lines","fields":[{"name":"count","type":"int"},{"name":"sku","type":"string"}]}}]}`
	// orderV2 removes total and lines.sku.
	orderV2 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
		{"name":"id","type":"string"},{"name":"customer","type":"string"},
		{"name":"lines","type":{"type":"record","name":"Lines","fields":[{"name":"count","type":"int"}]}}]}`
	orderFacet = `{"schema":{"_producer":"https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/flink",
		"_schemaURL":"https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
		"fields":[{"name":"id","type":"STRING"},{"name":"customer","type":"STRING"},{"name":"total","type":"BIGINT"},
			{"name":"lines","type":"ROW","fields":[{"name":"count","type":"INT"},{"name":"sku","type":"STRING"}]}]}}`
)

// event builds a run event of one job run.
func event(t *testing.T, eventType, runID, jobNS, jobName, jobFacets, inputs, outputs string) RunEvent {
	t.Helper()
	if jobFacets == "" {
		jobFacets = "{}"
	}
	doc := fmt.Sprintf(`{"eventType":%q,"eventTime":"2030-01-02T03:04:05.000Z","producer":"https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/flink",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":{"runId":%q,"facets":{}},"job":{"namespace":%q,"name":%q,"facets":%s},"inputs":[%s],"outputs":[%s]}`,
		eventType, runID, jobNS, jobName, jobFacets, inputs, outputs)
	var ev RunEvent
	if err := json.Unmarshal([]byte(doc), &ev); err != nil {
		t.Fatalf("%v in %s", err, doc)
	}
	return ev
}

func dataset(ns, name, facets string) string {
	if facets == "" {
		facets = "{}"
	}
	return fmt.Sprintf(`{"namespace":%q,"name":%q,"facets":%s}`, ns, name, facets)
}

// columnLineage is a columnLineage facet: output field → input fields,
// each "stream.field" on the prod cluster.
func columnLineage(fields map[string][]string) string {
	type in struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
		Field     string `json:"field"`
	}
	type out struct {
		InputFields               []in   `json:"inputFields"`
		TransformationDescription string `json:"transformationDescription"`
		TransformationType        string `json:"transformationType"`
	}
	doc := map[string]out{}
	for f, ins := range fields {
		o := out{TransformationType: "IDENTITY"}
		for _, s := range ins {
			stream, field, _ := strings.Cut(s, ".")
			o.InputFields = append(o.InputFields, in{prodKafka, stream, field})
		}
		doc[f] = o
	}
	b, _ := json.Marshal(map[string]any{
		"_producer":  "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/spark",
		"_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
		"fields":     doc,
	})
	return `{"columnLineage":` + string(b) + `}`
}

// jobGraph: orders → a Flink job (no column lineage) → orders-enriched →
// a Spark job (column lineage: total renamed gross, sku kept) → revenue;
// the Spark job also writes inventory-snap from stock alone and
// customers-daily from orders-enriched.customer. A Kafka Connect sink
// reads orders into S3. Readers declare their fields.
func jobGraph(t *testing.T, e *env) {
	ctx := context.Background()
	e.register(t, "orders-value", orderV1)
	flink := event(t, "RUNNING", "01938f6e-0000-7000-8000-000000000001", "flink-jobs",
		"insert-into_default_catalog.default_database.orders_enriched", "",
		dataset(prodKafka, "orders", orderFacet), dataset(prodKafka, "orders-enriched", ""))
	spark := event(t, "COMPLETE", "01938f6e-0000-7000-8000-000000000002", "spark_namespace",
		"revenue_app.execute_insert_into_hadoop_fs_relation_command",
		`{"ownership":{"_producer":"x","_schemaURL":"y","owners":[{"name":"application:finance-svc","type":"MAINTAINER"}]}}`,
		dataset(prodKafka, "orders-enriched", "")+","+dataset(prodKafka, "stock", ""),
		dataset(prodKafka, "revenue", columnLineage(map[string][]string{
			"gross": {"orders-enriched.total"}, "id": {"orders-enriched.id"}, "items": {"orders-enriched.lines"}}))+","+
			dataset(prodKafka, "inventory-snap", columnLineage(map[string][]string{"level": {"stock.level"}}))+","+
			dataset(prodKafka, "customers-daily", columnLineage(map[string][]string{"customer": {"orders-enriched.customer"}})))
	sink := event(t, "COMPLETE", "01938f6e-0000-7000-8000-000000000003", "kafka-connect", "orders-s3-sink", "",
		dataset(prodKafka, "orders", ""), dataset("s3://acme-archive", "orders/", ""))
	e.svc.opts.JobOwners = []JobOwner{{Pattern: "flink-jobs/*", Service: "flink-platform"}}
	for _, ev := range []RunEvent{flink, spark, sink} {
		if _, err := e.svc.Ingest(ctx, ev); err != nil {
			t.Fatalf("ingest %s: %v", ev.Job.Name, err)
		}
	}
	e.edge(t, Consumes, "orders-enriched", "bi-svc", "total")
	e.edge(t, Consumes, "revenue", "ledger-svc", "gross", "id")
	e.edge(t, Consumes, "revenue", "stock-svc", "items.sku")
	e.edge(t, Consumes, "inventory-snap", "warehouse-svc", "level")
	e.edge(t, Consumes, "customers-daily", "crm-svc", "customer")
}

func TestImpactThroughJobs(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		jobGraph(t, e)
		imp, err := e.svc.Impact(context.Background(), "orders", ImpactRequest{Schema: registry.SchemaInput{Schema: orderV2}})
		if err != nil {
			t.Fatal(err)
		}
		removedTotal := FieldChange{Path: "total", Change: Removed, From: "long"}
		removedSku := FieldChange{Path: "lines.sku", Change: Removed, From: "string"}
		eq(t, "changes", imp.Changes, []FieldChange{removedSku, removedTotal})

		consumers := map[string]ImpactedConsumer{}
		for _, c := range imp.Consumers {
			consumers[c.Service] = c
		}
		// One hop through the Flink job (no column lineage: same paths).
		bi := consumers["bi-svc"]
		eq(t, "bi-svc fields", bi.Fields, []FieldChange{removedTotal})
		eq(t, "bi-svc path", pathText(bi), "orders → job flink-jobs/insert-into_default_catalog.default_database.orders_enriched (flink-platform) → orders-enriched → bi-svc")
		// The job itself reads what its schema facet listed.
		job := consumers["flink-platform"]
		if !job.FieldsDeclared || job.Job == nil || job.Job.Namespace != "flink-jobs" {
			t.Errorf("the Flink job as a reader: %+v", job)
		}
		eq(t, "flink job fields", job.Fields, []FieldChange{removedSku, removedTotal})
		// Two hops: the Spark job renamed total to gross and lines to items.
		eq(t, "ledger-svc fields", consumers["ledger-svc"].Fields, []FieldChange{{Path: "gross", Change: Removed, From: "long"}})
		eq(t, "stock-svc fields", consumers["stock-svc"].Fields, []FieldChange{{Path: "items.sku", Change: Removed, From: "string"}})
		if p := pathText(consumers["ledger-svc"]); !strings.HasPrefix(p, "orders → job flink-jobs/") || !strings.HasSuffix(p, "→ orders-enriched → job spark_namespace/revenue_app.execute_insert_into_hadoop_fs_relation_command (finance-svc) → revenue → ledger-svc") {
			t.Errorf("ledger-svc path: %s", p)
		}
		// customers-daily is built from orders (customer): reached, but its
		// reader reads nothing that changed.
		if c, ok := consumers["crm-svc"]; !ok || !c.FieldsDeclared || len(c.Fields) != 0 {
			t.Errorf("crm-svc: %+v (reached %v)", c, ok)
		}
		// inventory-snap is built from stock alone: not reached.
		if _, ok := consumers["warehouse-svc"]; ok {
			t.Errorf("warehouse-svc reached through an unrelated output: %+v", consumers["warehouse-svc"])
		}
		derived := map[string]ImpactedStream{}
		for _, s := range imp.DerivedStreams {
			derived[s.Stream] = s
		}
		if _, ok := derived["inventory-snap"]; ok {
			t.Errorf("inventory-snap reached: %+v", derived["inventory-snap"])
		}
		enriched := derived["orders-enriched"]
		if enriched.Through != ThroughJob || enriched.FieldMapping != MappingSamePath || enriched.Depth != 2 {
			t.Errorf("orders-enriched: %+v", enriched)
		}
		revenue := derived["revenue"]
		if revenue.Through != ThroughJob || revenue.FieldMapping != MappingColumnLineage || revenue.By != "spark_namespace/revenue_app.execute_insert_into_hadoop_fs_relation_command" {
			t.Errorf("revenue: %+v", revenue)
		}
		eq(t, "revenue fields", revenue.Fields, []FieldChange{{Path: "gross", Change: Removed, From: "long"}, {Path: "items.sku", Change: Removed, From: "string"}})
		// The Kafka Connect sink reads orders; its S3 output is no stream.
		if c, ok := consumers["orders-s3-sink"]; !ok || c.Job == nil || c.Job.Key() != "kafka-connect/orders-s3-sink" {
			t.Errorf("the sink job: %+v", consumers)
		}
	})
}

// pathText renders a consumer's path as a reviewer reads it.
func pathText(c ImpactedConsumer) string {
	parts := make([]string, len(c.Path))
	for i, h := range c.Path {
		parts[i] = h.Name
		if h.Kind == JobNode {
			parts[i] = "job " + h.Name + " (" + h.Owner + ")"
		}
	}
	return strings.Join(append(parts, c.Service), " → ")
}

func TestJobRunLifecycleAndOwners(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.svc.opts.JobOwners = []JobOwner{{Pattern: "flink-jobs/orders-*", Service: "orders-svc"}}
		in, out := dataset(prodKafka, "orders", ""), dataset(prodKafka, "orders-enriched", "")
		// Every event of one run updates the same two edges.
		for _, typ := range []string{"START", "RUNNING", "RUNNING", "COMPLETE", "FAIL", "ABORT"} {
			res, err := e.svc.Ingest(ctx, event(t, typ, "01938f6e-0000-7000-8000-00000000000a", "flink-jobs", "orders-enrich", "", in, out))
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if res.Service != "orders-svc" || res.Job.Key() != "flink-jobs/orders-enrich" {
				t.Errorf("%s: owner %s job %s", typ, res.Service, res.Job.Key())
			}
		}
		es, err := e.svc.Edges(ctx, EdgeFilter{Source: SourceOpenLineage})
		if err != nil || len(es) != 2 {
			t.Fatalf("edges after one run's events: %d %v", len(es), err)
		}
		if _, err := e.svc.Ingest(ctx, event(t, "DONE", "r", "flink-jobs", "orders-enrich", "", in, out)); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown event type: %v", err)
		}

		// A job mapped to orders-svc may be reported by it or an admin only.
		svcCtx := func(name string) context.Context {
			return auth.WithPrincipal(ctx, &auth.Principal{Name: name, Roles: []auth.Role{auth.RoleService}})
		}
		if _, err := e.svc.Ingest(svcCtx("billing-svc"), event(t, "COMPLETE", "r2", "flink-jobs", "orders-enrich", "", in, out)); !errors.Is(err, ErrForbidden) {
			t.Errorf("another service reporting a mapped job: %v", err)
		}
		if _, err := e.svc.Ingest(svcCtx("orders-svc"), event(t, "COMPLETE", "r3", "flink-jobs", "orders-enrich", "", in, out)); err != nil {
			t.Errorf("the owner reporting: %v", err)
		}
		// An unmapped job belongs to the principal reporting it; an
		// ownership facet naming someone else is refused.
		res, err := e.svc.Ingest(svcCtx("billing-svc"), event(t, "COMPLETE", "r4", "spark", "billing_app", "", in, ""))
		if err != nil || res.Service != "billing-svc" {
			t.Errorf("unmapped job: %+v %v", res, err)
		}
		facet := `{"ownership":{"owners":[{"name":"application:orders-svc","type":"MAINTAINER"}]}}`
		if _, err := e.svc.Ingest(svcCtx("billing-svc"), event(t, "COMPLETE", "r5", "spark", "other_app", facet, in, "")); !errors.Is(err, ErrForbidden) {
			t.Errorf("ownership facet naming another service: %v", err)
		}
	})
}

func TestJobClusters(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.svc.opts.Clusters = map[string]string{"kafka-cluster-prod:9092": ".", "kafka-eu-1:9092": "eu"}
	res, err := e.svc.Ingest(context.Background(), event(t, "COMPLETE", "r", "flink-jobs", "mirror", "",
		dataset(prodKafka, "orders", "")+","+dataset("kafka://kafka-eu-2:9092,kafka-eu-1:9092", "orders", ""),
		dataset("kafka://unknown:9092", "orders", "")))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range res.Edges {
		keys = append(keys, e.Key())
	}
	// The same topic on two clusters is two streams.
	eq(t, "edges", keys, []string{"consumes orders -> flink-jobs/mirror", "consumes :.eu:orders -> flink-jobs/mirror"})
	if len(res.Ignored) != 1 || !strings.Contains(res.Ignored[0].Reason, "unknown Kafka cluster unknown:9092") {
		t.Errorf("ignored: %+v", res.Ignored)
	}
}

func TestParseSettings(t *testing.T) {
	owners, err := ParseJobOwners(" flink-jobs/*=flink-platform, spark/revenue_*=finance-svc ")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "owners", owners, []JobOwner{{"flink-jobs/*", "flink-platform"}, {"spark/revenue_*", "finance-svc"}})
	for _, bad := range []string{"noequals", "=svc", "[=svc", "a=bad name"} {
		if _, err := ParseJobOwners(bad); err == nil {
			t.Errorf("ParseJobOwners(%q) accepted", bad)
		}
	}
	clusters, err := ParseClusters("kafka://Prod:9092=., eu:9092=eu")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "clusters", clusters, map[string]string{"prod:9092": ".", "eu:9092": ".eu"})
	for _, bad := range []string{"prod:9092", "=.eu", "prod:9092="} {
		if _, err := ParseClusters(bad); err == nil {
			t.Errorf("ParseClusters(%q) accepted", bad)
		}
	}
}

// TestServicePassThroughNeedsObservedFlow: a service carries what it reads
// into what it writes only where both edges were declared or learned; a
// contract's owner and consumer edges alone imply no derivation.
func TestServicePassThroughNeedsObservedFlow(t *testing.T) {
	edge := func(kind Kind, from, to string, src Source) Edge {
		return Edge{Kind: kind, From: from, To: to, Sources: []Source{src}}
	}
	for _, c := range []struct {
		name    string
		src     Source
		reaches bool
	}{
		{"contract edges", SourceContract, false},
		{"declared edges", SourceAPI, true},
		{"learned edges", SourceOpenLineage, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ix := buildIndex([]Edge{
				edge(Consumes, "orders", "billing-svc", c.src),
				edge(Produces, "billing-svc", "invoices", c.src),
				edge(Consumes, "invoices", "ledger-svc", SourceAPI),
			}, nil, testNow)
			imp := ix.impact("orders", []FieldChange{{Path: "total", Change: Removed}})
			if got := len(imp.DerivedStreams) == 1 && len(imp.Consumers) == 2; got != c.reaches {
				t.Errorf("reached invoices and ledger-svc: %v, want %v (%+v)", got, c.reaches, imp)
			}
		})
	}
}
