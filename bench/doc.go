// Package bench holds Accord's load benchmarks: run.sh drives the real
// binary with wrk, and http_test.go measures the same hot paths with
// go test -bench. Both report each endpoint as a ratio of a bare net/http
// handler (ceiling) measured in the same run, since absolute figures on a
// shared machine say little. bench/million seeds a large registry (a
// million versions) through the import path and measures start-up,
// memory and throughput against a small registry in the same run.
package bench
