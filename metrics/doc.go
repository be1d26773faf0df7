// Package metrics defines every Prometheus metric Accord exports and
// implements the small observer interfaces the domain packages report
// through (registry.Observer, sqlstore.Observer, proxy.Observer), so that
// those packages import no metrics or tracing library: compat imports no
// project package at all, and the embeddable validator links neither
// Prometheus nor OpenTelemetry.
//
// Two sets of names are exported:
//
//   - Confluent's, as its JMX metrics appear through the Prometheus JMX
//     exporter, so dashboards built for Confluent Schema Registry (AxonOps
//     among them) work: kafka_schema_registry_registered_count,
//     _deleted_count, _schemas_created{schema_type},
//     _schemas_deleted{schema_type}, _api_success_count,
//     _api_failure_count, _master_slave_role, _node_count and the per-endpoint
//     kafka_schema_registry_jersey_metrics_* series.
//   - Accord's own, prefixed accord_, with bounded label sets: routes are
//     chi route templates (never raw paths or subject names), status is a
//     class (2xx), and every other label takes values from a fixed list.
//
// Counts of what the store holds (schemas, subjects, streams, pending
// proposals, and Confluent's registered and deleted counts) are read from
// the database on scrape, at most once per Server.CountsTTL (10 s), so every replica
// reports the same numbers. See docs/observability.md for the full list.
//
// Each Observer method that starts a span uses the OpenTelemetry API's
// global tracer provider (a no-op unless package tracing installed one).
package metrics
