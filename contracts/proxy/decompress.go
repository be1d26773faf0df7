package proxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// DefaultMaxDecompressedBytes is Config.MaxDecompressedBytes's default:
// what the compressed batches of one partition of a Produce request may
// inflate to, together, so a small request cannot make the proxy allocate
// gigabytes. The records of all a partition's batches are held at once
// while they are validated, so a bound per batch alone would let a request
// of many small bombs cost their number times the bound.
const DefaultMaxDecompressedBytes = 64 << 20

// Kafka compression codecs (batch attributes & 0x07).
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLz4    = 3
	codecZstd   = 4
)

var errTooBig = errors.New("decompressed batch exceeds the proxy's limit")

// zstdDecoders holds one decoder per bound (a process has one or two):
// a decoder's bound is fixed when it is built, and it stops decoding there
// rather than after the damage.
var zstdDecoders sync.Map // int → *zstd.Decoder

func zstdDecoder(limit int) (*zstd.Decoder, error) {
	if d, ok := zstdDecoders.Load(limit); ok {
		return d.(*zstd.Decoder), nil
	}
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(uint64(limit)))
	if err != nil {
		return nil, err
	}
	if old, loaded := zstdDecoders.LoadOrStore(limit, d); loaded {
		d.Close()
		return old.(*zstd.Decoder), nil
	}
	return d, nil
}

// xerialHeader starts snappy data in the framing the Java client writes.
var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// decompress appends the batch's records, inflated with codec, to dst,
// at most limit bytes (the partition's bound left, at most max). dst's
// storage is reused when large enough.
func decompress(dst, src []byte, codec int16, limit, max int) ([]byte, error) {
	limit = min(limit, max)
	switch codec {
	case codecNone:
		return append(dst, src...), nil
	case codecGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return readLimited(dst, r, limit)
	case codecLz4:
		return readLimited(dst, lz4.NewReader(bytes.NewReader(src)), limit)
	case codecZstd:
		d, err := zstdDecoder(max)
		if err != nil {
			return nil, err
		}
		// The decoder stops at max; the partition's remaining limit is
		// checked after.
		out, err := d.DecodeAll(src, dst)
		switch {
		case errors.Is(err, zstd.ErrDecoderSizeExceeded):
			return nil, errTooBig
		case err != nil:
			return nil, err
		case len(out)-len(dst) > limit:
			return nil, errTooBig
		}
		return out, nil
	case codecSnappy:
		if !bytes.HasPrefix(src, xerialHeader) {
			return snappyBlock(dst, src, len(dst)+limit)
		}
		if len(src) < 16 {
			return nil, errors.New("truncated xerial snappy header")
		}
		out := dst
		for rest := src[16:]; len(rest) > 0; {
			if len(rest) < 4 {
				return nil, errors.New("truncated xerial snappy chunk size")
			}
			n := binary.BigEndian.Uint32(rest)
			if uint64(n) > uint64(len(rest)-4) {
				return nil, errors.New("xerial snappy chunk overflows the batch")
			}
			var err error
			if out, err = snappyBlock(out, rest[4:4+n], len(dst)+limit); err != nil {
				return nil, err
			}
			rest = rest[4+n:]
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown compression codec %d", codec)
}

// snappyBlock appends the decoded snappy block to dst, decoding in place
// of dst's spare capacity when it has enough, as long as dst stays within
// end bytes.
func snappyBlock(dst, block []byte, end int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > end-len(dst) {
		return nil, errTooBig
	}
	dst = slices.Grow(dst, n)
	d, err := snappy.Decode(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return nil, err
	}
	return dst[:len(dst)+len(d)], nil
}

func readLimited(dst []byte, r io.Reader, limit int) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(limit)+1)); err != nil {
		return nil, err
	}
	if buf.Len()-len(dst) > limit {
		return nil, errTooBig
	}
	return buf.Bytes(), nil
}
