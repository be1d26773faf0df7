package proxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// MaxDecompressedBytes bounds what one compressed batch may inflate to,
// so a small request cannot make the proxy allocate gigabytes.
var MaxDecompressedBytes = 64 << 20

// Kafka compression codecs (batch attributes & 0x07).
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLz4    = 3
	codecZstd   = 4
)

var errTooBig = errors.New("decompressed batch exceeds the proxy's limit")

var zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(uint64(MaxDecompressedBytes)))
})

// xerialHeader starts snappy data in the framing the Java client writes.
var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// decompress inflates a batch's records with codec, at most
// MaxDecompressedBytes.
func decompress(src []byte, codec int16) ([]byte, error) {
	switch codec {
	case codecNone:
		return src, nil
	case codecGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return readLimited(r)
	case codecLz4:
		return readLimited(lz4.NewReader(bytes.NewReader(src)))
	case codecZstd:
		d, err := zstdDecoder()
		if err != nil {
			return nil, err
		}
		return d.DecodeAll(src, nil)
	case codecSnappy:
		if !bytes.HasPrefix(src, xerialHeader) {
			return snappyBlock(nil, src)
		}
		if len(src) < 16 {
			return nil, errors.New("truncated xerial snappy header")
		}
		var out []byte
		for rest := src[16:]; len(rest) > 0; {
			if len(rest) < 4 {
				return nil, errors.New("truncated xerial snappy chunk size")
			}
			n := binary.BigEndian.Uint32(rest)
			if uint64(n) > uint64(len(rest)-4) {
				return nil, errors.New("xerial snappy chunk overflows the batch")
			}
			var err error
			if out, err = snappyBlock(out, rest[4:4+n]); err != nil {
				return nil, err
			}
			rest = rest[4+n:]
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown compression codec %d", codec)
}

// snappyBlock appends the decoded snappy block to dst.
func snappyBlock(dst, block []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > MaxDecompressedBytes-len(dst) {
		return nil, errTooBig
	}
	d, err := snappy.Decode(nil, block)
	if err != nil {
		return nil, err
	}
	return append(dst, d...), nil
}

func readLimited(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, int64(MaxDecompressedBytes)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxDecompressedBytes {
		return nil, errTooBig
	}
	return out, nil
}
