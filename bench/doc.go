// Package bench holds Accord's load benchmarks. run.sh is the comparison
// profile: the real binary, wired as accord serve wires it, seeded by
// bench/seed with 1,000 Avro schemas and driven by wrk (profile.lua) with
// requests drawn at random, against a bare net/http handler (bench/ceiling)
// sent the same requests in interleaved runs. http_test.go measures the
// same hot paths with go test -bench against the same stack in process.
// Both report each endpoint as a ratio of the ceiling measured in the same
// run, since absolute figures on a shared machine say little.
// bench/million seeds a large registry (a million versions) through the
// import path and measures start-up, memory and throughput against a small
// registry in the same run; writes_test.go measures new registrations.
package bench
