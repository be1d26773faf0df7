package proxy

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// SignBatch sets the CRC of the first batch in b (when b is long enough
// to hold a batch header), for tests and fuzzing.
func SignBatch(b []byte) []byte {
	if len(b) < batchHeaderSize {
		return b
	}
	end := 12 + int(int32(binary.BigEndian.Uint32(b[8:12])))
	if end < batchHeaderSize || end > len(b) {
		end = len(b)
	}
	binary.BigEndian.PutUint32(b[17:21], crc32.Checksum(b[21:end], castagnoli))
	return b
}

// KeptScratch decodes the batches of src as a session's Produce check
// does and returns the decompression buffer bytes it then keeps.
func KeptScratch(src []byte) (int, error) {
	var sc scratch
	err := walkBatches(src, &sc.bufs, DefaultMaxDecompressedBytes, func(*kmsg.RecordBatch) {}, func(*Record) {})
	sc.keep(nil, nil)
	n := 0
	for _, b := range sc.bufs {
		n += cap(b)
	}
	return n, err
}

// CapVersionsSASL is the ApiVersions rewrite of a proxy with SASL on.
var CapVersionsSASL = capVersionsSASL

// DecodeBatchesLimit is DecodeBatches with Config.MaxDecompressedBytes
// set to max.
func DecodeBatchesLimit(src []byte, max int) (int, error) {
	n := 0
	var bufs [][]byte
	err := walkBatches(src, &bufs, max, func(*kmsg.RecordBatch) { n++ }, func(*Record) {})
	return n, err
}
