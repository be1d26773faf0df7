// Package wire reads and writes the Confluent wire format that serializers
// put in front of every Kafka key and value, and names the subject a
// record's schema is registered under.
//
// A frame is byte 0 = magic 0x00, bytes 1–4 = the schema id (big-endian
// int32), then for Protobuf the message-index array (zig-zag varints: the
// count, then each index; a single 0 byte means [0], the first message),
// then the payload. Parse rejects malformed frames with a *FrameError that
// names the byte offset and the problem, so a broker can tell a producer
// exactly what is wrong with what it sent.
//
// Files: frame.go (Parse, Append, Frame), errors.go (FrameError and its
// reasons), subject.go (subject-name strategies).
//
// The package depends on no other project package, so the validator, the
// HTTP hook and a Kafka proxy can all share it.
package wire
