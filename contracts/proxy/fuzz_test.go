package proxy_test

import (
	"bytes"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/accord/accord/contracts/proxy"
)

// seedBatch builds a v2 batch the way a client does, with its CRC.
func seedBatch(codec int16, values ...[]byte) []byte {
	var recs []byte
	for i, v := range values {
		r := kmsg.Record{OffsetDelta: int32(i), Value: v, Key: nil, Headers: []kmsg.Header{{Key: "h", Value: []byte("x")}}}
		body := r.AppendTo(nil)
		r.Length = int32(len(body) - 1) // AppendTo wrote a zero length varint
		recs = append(recs, r.AppendTo(nil)...)
	}
	if codec != 0 {
		c, _ := kgo.DefaultCompressor(kgo.GzipCompression())
		var buf bytes.Buffer
		out, _ := c.Compress(&buf, recs)
		recs = append([]byte(nil), out...)
	}
	b := kmsg.RecordBatch{Magic: 2, Attributes: codec, LastOffsetDelta: int32(len(values) - 1), NumRecords: int32(len(values)), Records: recs, ProducerID: -1, FirstSequence: -1}
	b.Length = int32(49 + len(recs))
	raw := b.AppendTo(nil)
	return proxy.SignBatch(raw)
}

func TestDecodeBatches(t *testing.T) {
	for _, codec := range []int16{0, 1} {
		raw := seedBatch(codec, []byte("a"), nil, []byte("ccc"))
		bs, err := proxy.DecodeBatches(append(raw, raw...))
		if err != nil {
			t.Fatalf("codec %d: %v", codec, err)
		}
		if len(bs) != 2 || len(bs[0].Records) != 3 || string(bs[0].Records[2].Value) != "ccc" || bs[0].Records[1].Value != nil || bs[0].Records[0].Headers[0].Key != "h" {
			t.Fatalf("codec %d: %+v", codec, bs)
		}
		raw[len(raw)-1] ^= 1
		if _, err := proxy.DecodeBatches(raw); err == nil {
			t.Fatalf("codec %d: a corrupt CRC passed", codec)
		}
	}
}

// FuzzDecodeBatch: any bytes decode or fail, never panic; what decodes
// stays within the input.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(seedBatch(0, []byte("a"), nil, []byte("ccc")))
	f.Add(seedBatch(1, []byte("gzip")))
	f.Add([]byte{})
	f.Add(make([]byte, 61))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Unsigned inputs rarely pass the CRC: sign them so the fuzzer
		// reaches the records.
		for _, in := range [][]byte{data, proxy.SignBatch(append([]byte(nil), data...))} {
			bs, err := proxy.DecodeBatches(in)
			if err != nil {
				continue
			}
			for _, b := range bs {
				if int(b.Header.NumRecords) != len(b.Records) {
					t.Fatalf("%d records decoded, %d claimed", len(b.Records), b.Header.NumRecords)
				}
			}
		}
	})
}
