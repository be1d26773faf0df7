package proxy_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/accord/accord/contracts/proxy"
)

// requestFrame is a size-prefixed request with a v1 header (client id
// orders-app); req must not be flexible.
func requestFrame(corr int32, req kmsg.Request) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(req.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = binary.BigEndian.AppendUint16(b, uint16(len("orders-app")))
	b = append(b, "orders-app"...)
	b = req.AppendTo(b)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// TestPipelinedMixedAnswers: requests written back to back, Produce with
// every codec, valid and refused, between ApiVersions, are answered each
// once and in request order, refusals (answered by the proxy) and broker
// answers interleaved; every valid record reaches the broker.
func TestPipelinedMixedAnswers(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), ClientIDs: map[string]string{"orders-app": "orders-svc"}})
	enc := w.formats[0].encode
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	var out []byte
	want := map[int32]int16{} // produce corr -> error code; others: -1
	corr := int32(0)
	valid := 0
	for range 3 {
		for codec := int16(1); codec <= 4; codec++ {
			corr++
			out = append(out, apiVersionsFrame(corr)...)
			want[corr] = -1
			for _, ok := range []bool{true, false} {
				amount := int64(5)
				if !ok {
					amount = -5
				}
				batch := codecBatch(t, codec, enc("a", 1), enc("b", amount), enc("c", 3))
				req := kmsg.NewPtrProduceRequest()
				req.SetVersion(7)
				req.Acks = -1
				req.TimeoutMillis = 5000
				tp := kmsg.NewProduceRequestTopic()
				tp.Topic = "orders"
				pp := kmsg.NewProduceRequestTopicPartition()
				pp.Records = batch
				tp.Partitions = append(tp.Partitions, pp)
				req.Topics = append(req.Topics, tp)
				corr++
				out = append(out, requestFrame(corr, req)...)
				want[corr] = 0
				if !ok {
					want[corr] = kerr.InvalidRecord.Code
				} else {
					valid += 3
				}
			}
		}
	}
	// One write: the proxy reads them pipelined.
	go conn.Write(out)

	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(conn)
	for next := int32(1); next <= corr; next++ {
		var sz [4]byte
		if _, err := io.ReadFull(br, sz[:]); err != nil {
			t.Fatalf("answer %d: %v", next, err)
		}
		frame := make([]byte, binary.BigEndian.Uint32(sz[:]))
		if _, err := io.ReadFull(br, frame); err != nil {
			t.Fatalf("answer %d: %v", next, err)
		}
		if got := int32(binary.BigEndian.Uint32(frame)); got != next {
			t.Fatalf("answer with correlation id %d, want %d", got, next)
		}
		if want[next] < 0 {
			continue
		}
		resp := kmsg.NewPtrProduceResponse()
		resp.SetVersion(7)
		if err := resp.ReadFrom(frame[4:]); err != nil {
			t.Fatalf("answer %d: %v", next, err)
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].ErrorCode != want[next] {
			t.Fatalf("answer %d: %+v, want error code %d", next, resp.Topics, want[next])
		}
	}
	if got := consume(t, c, "orders", valid); len(got) != valid {
		t.Errorf("the broker holds %d records, want %d", len(got), valid)
	}
}
