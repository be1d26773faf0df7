// Package proxy is a validating Kafka proxy: it sits between Kafka clients
// and a Kafka cluster, speaks the Kafka protocol on both sides, forwards
// every request unchanged except Produce, and checks every record of every
// Produce request with the embeddable validator (package
// contracts/validator) before the broker sees it.
//
// Per client connection one goroutine reads requests and one writes
// responses, through one upstream connection to the broker the listener
// stands for; responses go back in request order (pipelining is kept).
//
//   - Produce: the record batches are decoded (v2 batches, any
//     compression) and every record validated as produced by the
//     connection's principal. A partition whose batch holds an invalid
//     record is answered INVALID_RECORD (87) with one RecordErrors entry
//     per invalid record and is not forwarded; the partitions that pass
//     are forwarded in a rewritten request, and the broker's answer is
//     merged with the refusals. acks=0 requests get no answer, as Kafka
//     does.
//   - Metadata, FindCoordinator, DescribeCluster and Produce answers name
//     brokers: their host:port are rewritten to the proxy's listener for
//     that broker (the bootstrap listener for a one-broker cluster, one
//     more listener per other broker, opened on first sight).
//   - ApiVersions answers are capped at Produce v12 (v13 names topics by
//     id only) and Fetch v15 (v16+ may name brokers inside fetch answers,
//     which the proxy does not rewrite).
//   - Identity: with SASL on, clients authenticate to the proxy with
//     SASL/PLAIN (SaslHandshake v0/v1, SaslAuthenticate), checked against
//     Accord (GET /v1/whoami with the same user and password); the
//     upstream connection uses no SASL. With SASL off the Kafka client id
//     is mapped to a principal (an unmapped client id is an unidentified
//     producer).
//   - Limits: a client request over Config.MaxRequestBytes or a broker
//     answer over Config.MaxResponseBytes (100 MiB each by default) closes
//     the client's connection with a warning; below them a frame's buffer
//     grows with the bytes that arrive, not with what its size claims.
//     The compressed batches of one partition inflate to
//     Config.MaxDecompressedBytes (64 MiB) together at most, since all are held
//     while the partition is validated; a connection keeps at most 8 MiB
//     of decompression buffers between requests.
//   - TLS: Config.TLS makes the listeners serve TLS; Config.UpstreamTLS
//     makes the proxy reach the brokers over TLS.
//
// Produce validation is the proxy's hot path: record batches are decoded
// straight into the validator's records, in buffers each connection
// reuses, validated in one batch call per partition (on up to GOMAXPROCS
// goroutines for large batches), and the request is forwarded as it came
// when every record passes.
//
// Files: proxy.go (Proxy, Config, listeners and routes), conn.go (a client
// connection, request and response framing, size limits, upstream dial),
// produce.go (validation and the Produce answers), batch.go (the
// record-batch decoder), decompress.go (codecs), rewrite.go (broker
// addresses and ApiVersions), sasl.go (SASL/PLAIN and the Accord
// authenticator).
package proxy
