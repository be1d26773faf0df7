package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrBadBatch is wrapped by every record-batch decoding error.
var ErrBadBatch = errors.New("malformed record batch")

// batchHeaderSize is the size of a v2 batch up to its records: the 12
// bytes of offset and length, then 49 bytes the length covers.
const batchHeaderSize = 61

// Batch is one decoded v2 record batch.
type Batch struct {
	Header kmsg.RecordBatch
	// Records alias the decompressed (or the given) bytes.
	Records []Record
}

// Control reports whether the batch holds control records (transaction
// markers), which brokers write and producers do not.
func (b *Batch) Control() bool { return b.Header.Attributes&0x20 != 0 }

// Record is one record of a batch. Key or Value nil means absent.
type Record struct {
	OffsetDelta int32
	Key         []byte
	Value       []byte
	Headers     []RecordHeader
}

// RecordHeader is a record header.
type RecordHeader struct {
	Key   string
	Value []byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxRecordsPerBatch bounds what a batch may claim, so a corrupt count
// does not cost an allocation of its size.
const maxRecordsPerBatch = 1 << 20

func batchErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadBatch, fmt.Sprintf(format, args...))
}

// DecodeBatches decodes the record batches of one partition of a Produce
// request. Only magic 2 batches are accepted (every client since Kafka
// 0.11 writes them, and Produce v3+ requires them); the CRC is checked.
func DecodeBatches(src []byte) ([]Batch, error) {
	var out []Batch
	var bufs [][]byte
	err := walkBatches(src, &bufs, DefaultMaxDecompressedBytes, func(h *kmsg.RecordBatch) {
		out = append(out, Batch{Header: *h, Records: make([]Record, 0, min(int(h.NumRecords), len(h.Records)/7+1))})
	}, func(r *Record) {
		b := &out[len(out)-1]
		b.Records = append(b.Records, *r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walkBatches decodes the v2 batches of one partition, calling batch for
// each batch header and record for each of its records, which alias src
// or the decompressed bytes; record must copy what it keeps of the
// Record, which is reused. (*bufs)[i] holds the decompressed records of
// batch i: a caller that keeps bufs reuses the buffers on its next call,
// once it no longer needs the records.
//
// The batches' decompressed records together are at most
// max (Config.MaxDecompressedBytes): all are held until the partition is
// validated.
func walkBatches(src []byte, bufs *[][]byte, max int, batch func(*kmsg.RecordBatch), record func(*Record)) error {
	n := 0
	budget := max
	for len(src) > 0 {
		if len(src) < batchHeaderSize {
			return batchErr("%d bytes left, a batch header takes %d", len(src), batchHeaderSize)
		}
		length := int32(binary.BigEndian.Uint32(src[8:12]))
		if length < batchHeaderSize-12 || int64(length) > int64(len(src)-12) {
			return batchErr("batch length %d does not fit the %d bytes left", length, len(src)-12)
		}
		if err := walkBatch(src[:12+int(length)], bufs, n, &budget, max, batch, record); err != nil {
			return err
		}
		src = src[12+int(length):]
		n++
	}
	if n == 0 {
		return batchErr("no batch")
	}
	return nil
}

func walkBatch(src []byte, bufs *[][]byte, n int, budget *int, max int, batch func(*kmsg.RecordBatch), record func(*Record)) error {
	var h kmsg.RecordBatch
	if err := h.ReadFrom(src); err != nil {
		return batchErr("header: %v", err)
	}
	if h.Magic != 2 {
		return batchErr("magic %d, want 2", h.Magic)
	}
	if crc := crc32.Checksum(src[21:], castagnoli); int32(crc) != h.CRC {
		return batchErr("CRC 0x%08x, computed 0x%08x", uint32(h.CRC), crc)
	}
	if h.NumRecords < 0 || h.NumRecords > maxRecordsPerBatch {
		return batchErr("record count %d", h.NumRecords)
	}
	batch(&h)
	data := h.Records
	if codec := h.Attributes & 0x07; codec != codecNone {
		for len(*bufs) <= n {
			*bufs = append(*bufs, nil)
		}
		d, err := decompress((*bufs)[n][:0], data, codec, *budget, max)
		if err != nil {
			return batchErr("decompressing (codec %d): %v", codec, err)
		}
		*budget -= len(d)
		(*bufs)[n] = d
		data = d
	}
	// One Record serves the batch: record copies what it keeps, and a
	// Record per record would escape to the heap through the callback.
	var r Record
	for i := range int(h.NumRecords) {
		var n int
		var err error
		if r, n, err = decodeRecord(data); err != nil {
			return batchErr("record %d: %v", i, err)
		}
		record(&r)
		data = data[n:]
	}
	if len(data) != 0 {
		return batchErr("%d bytes after the %d records", len(data), h.NumRecords)
	}
	return nil
}

// reader reads varints and spans of one record.
type reader struct {
	src []byte
	err error
}

func (r *reader) varint(what string) int64 {
	v, ok := r.next()
	if !ok {
		r.err = fmt.Errorf("bad %s varint", what)
	}
	return v
}

// next reads a varint, false when there is none (or an earlier error).
func (r *reader) next() (int64, bool) {
	if r.err != nil {
		return 0, false
	}
	v, n := binary.Varint(r.src)
	if n <= 0 {
		return 0, false
	}
	r.src = r.src[n:]
	return v, true
}

// bytes reads a varint-length span; -1 is nil.
func (r *reader) bytes(what string) []byte {
	n, ok := r.next()
	if !ok && r.err == nil {
		// Named here, not before: building the label costs an allocation.
		r.err = fmt.Errorf("bad %s length varint", what)
	}
	switch {
	case r.err != nil:
		return nil
	case n == -1:
		return nil
	case n < 0 || n > int64(len(r.src)):
		r.err = fmt.Errorf("%s length %d with %d bytes left", what, n, len(r.src))
		return nil
	}
	out := r.src[:n:n]
	r.src = r.src[n:]
	return out
}

// decodeRecord decodes the record at the start of src and returns it with
// the bytes it took.
func decodeRecord(src []byte) (Record, int, error) {
	var rec Record
	r := reader{src: src}
	length := r.varint("length")
	if r.err != nil {
		return rec, 0, r.err
	}
	if length < 0 || length > int64(len(r.src)) {
		return rec, 0, fmt.Errorf("length %d with %d bytes left", length, len(r.src))
	}
	took := len(src) - len(r.src) + int(length)
	r.src = r.src[:length]
	if len(r.src) < 1 {
		return rec, 0, errors.New("no attributes")
	}
	r.src = r.src[1:] // attributes: unused
	r.varint("timestamp delta")
	rec.OffsetDelta = int32(r.varint("offset delta"))
	rec.Key = r.bytes("key")
	rec.Value = r.bytes("value")
	nh := r.varint("header count")
	if r.err == nil && (nh < 0 || nh > int64(len(r.src))) {
		r.err = fmt.Errorf("header count %d", nh)
	}
	for i := int64(0); r.err == nil && i < nh; i++ {
		k := r.bytes("header key")
		v := r.bytes("header value")
		rec.Headers = append(rec.Headers, RecordHeader{Key: string(k), Value: v})
	}
	if r.err != nil {
		return rec, 0, r.err
	}
	if len(r.src) != 0 {
		return rec, 0, fmt.Errorf("%d bytes after the headers", len(r.src))
	}
	return rec, took, nil
}
