package proxy_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/accord/accord/contracts/proxy"
)

// codecBatch builds a v2 batch of values compressed with codec (1 gzip,
// 2 snappy, 3 lz4, 4 zstd), as a client does.
func codecBatch(t *testing.T, codec int16, values ...[]byte) []byte {
	t.Helper()
	var recs []byte
	for i, v := range values {
		r := kmsg.Record{OffsetDelta: int32(i), Value: v}
		r.Length = int32(len(r.AppendTo(nil)) - 1)
		recs = append(recs, r.AppendTo(nil)...)
	}
	codecs := map[int16]kgo.CompressionCodec{1: kgo.GzipCompression(), 2: kgo.SnappyCompression(), 3: kgo.Lz4Compression(), 4: kgo.ZstdCompression()}
	c, err := kgo.DefaultCompressor(codecs[codec])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	out, used := c.Compress(&buf, recs)
	if int16(used) != codec {
		t.Fatalf("codec %d: compressed with %v", codec, used)
	}
	b := kmsg.RecordBatch{Magic: 2, Attributes: codec, LastOffsetDelta: int32(len(values) - 1), NumRecords: int32(len(values)),
		Records: append([]byte(nil), out...), ProducerID: -1, FirstSequence: -1}
	b.Length = int32(49 + len(b.Records))
	return proxy.SignBatch(b.AppendTo(nil))
}

// TestDecompressedBytesPerPartition: Config.MaxDecompressedBytes bounds what a
// partition's batches inflate to together, whatever the codec: the
// records of every batch are held at once, so many small bombs in one
// request must not cost their number times the bound.
func TestDecompressedBytesPerPartition(t *testing.T) {
	const max = 1 << 20 // Config.MaxDecompressedBytes
	value := make([]byte, 400<<10)
	for codec := int16(1); codec <= 4; codec++ {
		one := codecBatch(t, codec, value)
		if len(one) > 64<<10 {
			t.Fatalf("codec %d: a batch of %d bytes is no bomb", codec, len(one))
		}
		two := append(append([]byte(nil), one...), one...)
		if n, err := proxy.DecodeBatchesLimit(two, max); err != nil || n != 2 {
			t.Fatalf("codec %d: two batches within the bound: %v", codec, err)
		}
		three := append(append([]byte(nil), two...), one...)
		if _, err := proxy.DecodeBatchesLimit(three, max); !errors.Is(err, proxy.ErrBadBatch) {
			t.Errorf("codec %d: three batches of 400 KiB each passed a bound of 1 MiB per partition (err %v)", codec, err)
		}
		big := codecBatch(t, codec, make([]byte, 1100<<10))
		if _, err := proxy.DecodeBatchesLimit(big, max); !errors.Is(err, proxy.ErrBadBatch) {
			t.Errorf("codec %d: one batch over the bound passed (err %v)", codec, err)
		}
	}
}

// TestScratchKeptBounded: what a session keeps of its decompression
// buffers between requests is bounded in total, not per buffer.
func TestScratchKeptBounded(t *testing.T) {
	value := make([]byte, 3<<20)
	var src []byte
	for range 8 {
		src = append(src, codecBatch(t, 1, value)...)
	}
	kept, err := proxy.KeptScratch(src)
	if err != nil {
		t.Fatal(err)
	}
	if kept > 8<<20 {
		t.Errorf("a session keeps %d bytes of decompression buffers, over 8 MiB", kept)
	}
}
