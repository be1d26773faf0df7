package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/accord/accord/contracts/validator"
)

// produceOutcome is what to do with a Produce request: the frame to
// forward (nil: none) and the answer owed (nil: none, for acks=0).
type produceOutcome struct {
	forward []byte
	slot    *slot
}

// refusal is a partition refused by the proxy.
type refusal struct {
	topic string
	part  kmsg.ProduceResponseTopicPartition
}

// producer is who produces this connection's records.
func (s *session) producer(h header) string {
	if s.p.cfg.SASL != nil {
		return s.principal
	}
	return s.p.cfg.ClientIDs[h.clientID]
}

// produce validates every record of a Produce request. Partitions with an
// invalid record are refused; the others are forwarded (the request
// unchanged when all pass).
func (s *session) produce(h header, frame []byte) (out produceOutcome, err error) {
	ctx, end := s.p.cfg.Observer.StartSpan(s.ctx(), "kafka produce")
	defer func() { end(err) }()
	req := h.req.(*kmsg.ProduceRequest)
	if err := req.ReadFrom(frame[h.bodyOff:]); err != nil {
		return out, fmt.Errorf("decoding a Produce v%d request: %w", h.version, err)
	}
	who := s.producer(h)
	var refused []refusal
	passing := 0
	kept := make([]kmsg.ProduceRequestTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		keep := t
		keep.Partitions = nil
		for _, p := range t.Partitions {
			if r, ok := s.checkPartition(ctx, h.version, t.Topic, p, who); !ok {
				refused = append(refused, refusal{topic: t.Topic, part: r})
				continue
			}
			keep.Partitions = append(keep.Partitions, p)
			passing++
		}
		if len(keep.Partitions) > 0 {
			kept = append(kept, keep)
		}
	}
	switch {
	case len(refused) == 0:
		out.forward = frame
	case passing > 0:
		req.Topics = kept
		out.forward = req.AppendTo(append([]byte(nil), frame[:h.bodyOff]...))
	}
	if req.Acks == 0 {
		if len(refused) > 0 {
			s.log.Warn("proxy: acks=0 produce refused in part; the client gets no answer", slog.Int("partitions", len(refused)))
		}
		return out, nil
	}
	if out.forward == nil {
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		resp.SetVersion(h.version)
		mergeRefusals(resp, refused)
		out.slot = &slot{local: appendResponse(nil, h.corr, flexibleResponse(h.req), resp)}
		return out, nil
	}
	sl := &slot{upstream: true, req: h.req, corr: h.corr, sent: time.Now()}
	switch {
	case len(refused) > 0:
		sl.fix = func(r kmsg.Response) error {
			resp := r.(*kmsg.ProduceResponse)
			mergeRefusals(resp, refused)
			return s.p.rewriteBrokers(resp)
		}
	case h.version >= 10:
		// Answers may name brokers (NodeEndpoints) from v10, when a
		// partition moved; most do not, and pass as they came.
		sl.fix = func(r kmsg.Response) error {
			if len(r.(*kmsg.ProduceResponse).Brokers) == 0 {
				return errUnchanged
			}
			return s.p.rewriteBrokers(r)
		}
	}
	out.slot = sl
	return out, nil
}

// mergeRefusals adds the refused partitions to a Produce answer.
func mergeRefusals(resp *kmsg.ProduceResponse, refused []refusal) {
	for _, r := range refused {
		i := 0
		for i < len(resp.Topics) && resp.Topics[i].Topic != r.topic {
			i++
		}
		if i == len(resp.Topics) {
			t := kmsg.NewProduceResponseTopic()
			t.Topic = r.topic
			resp.Topics = append(resp.Topics, t)
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, r.part)
	}
}

// checkPartition validates one partition's batches. It returns the
// refusal and false when a record is invalid or the batches cannot be
// decoded.
func (s *session) checkPartition(ctx context.Context, version int16, topic string, p kmsg.ProduceRequestTopicPartition, who string) (kmsg.ProduceResponseTopicPartition, bool) {
	refuse := func(code int16, msg string, recErrs []kmsg.ProduceResponseTopicPartitionErrorRecord) (kmsg.ProduceResponseTopicPartition, bool) {
		r := kmsg.NewProduceResponseTopicPartition()
		r.Partition = p.Partition
		r.ErrorCode = code
		r.BaseOffset = -1
		r.LogAppendTime = -1
		r.LogStartOffset = -1
		r.ErrorRecords = recErrs
		r.ErrorMessage = &msg
		return r, false
	}
	if version < 3 {
		return refuse(kerr.UnsupportedForMessageFormat.Code, "the validating proxy accepts Produce v3+ (record batches v2) only", nil)
	}
	// The records are decoded straight into what the validator reads, in
	// buffers the session reuses: a request's records cost no allocation.
	sc := &s.scratch
	recs, indexes := sc.recs[:0], sc.indexes[:0]
	index := 0
	control := false
	err := walkBatches(p.Records, &sc.bufs, s.p.cfg.MaxDecompressedBytes, func(h *kmsg.RecordBatch) {
		control = h.Attributes&0x20 != 0
		// A record takes at least 7 bytes, which bounds what a claimed
		// count may cost.
		recs = slices.Grow(recs, min(int(h.NumRecords), len(h.Records)/7+1))
	}, func(rec *Record) {
		if control {
			// Transaction markers are the broker's, not the producer's.
			index++
			return
		}
		vr := validator.Record{Topic: topic, Partition: p.Partition, Offset: -1, Key: rec.Key, Value: rec.Value, Producer: who}
		if len(rec.Headers) > 0 {
			vr.Headers = make([]validator.Header, len(rec.Headers))
			for i, hd := range rec.Headers {
				vr.Headers[i] = validator.Header{Key: hd.Key, Value: hd.Value}
			}
		}
		recs = append(recs, vr)
		indexes = append(indexes, index)
		index++
	})
	defer sc.keep(recs, indexes)
	if err != nil {
		s.p.cfg.Observer.Validated(0, 0, []string{"frame"}, true)
		s.log.Warn("proxy: refusing an undecodable batch", slog.String("topic", topic), slog.Int("partition", int(p.Partition)), slog.Any("err", err))
		return refuse(kerr.CorruptMessage.Code, err.Error(), nil)
	}
	sc.verdicts = slices.Grow(sc.verdicts[:0], len(recs))[:len(recs)]
	verdicts := sc.verdicts
	// One partition's records are judged within ValidateBudget: past it
	// the rules still to run stop and fail, so the batch is refused
	// rather than holding the connection (and a core) for minutes.
	vctx, cancel := context.WithTimeout(ctx, s.p.cfg.ValidateBudget)
	s.p.validateAll(vctx, recs, verdicts)
	cancel()
	var recErrs []kmsg.ProduceResponseTopicPartitionErrorRecord
	var failed []string
	var first string
	total := len(recs)
	for i, v := range verdicts {
		if v.Valid {
			continue
		}
		for _, f := range v.Failures {
			failed = append(failed, string(f.Check))
		}
		msg := describe(v.Failures)
		if first == "" {
			first = fmt.Sprintf("record %d: %s", indexes[i], msg)
		}
		e := kmsg.NewProduceResponseTopicPartitionErrorRecord()
		e.RelativeOffset = int32(indexes[i])
		e.ErrorMessage = &msg
		recErrs = append(recErrs, e)
	}
	s.p.cfg.Observer.Validated(total, len(recErrs), failed, len(recErrs) > 0)
	if len(recErrs) == 0 {
		return kmsg.ProduceResponseTopicPartition{}, true
	}
	s.log.Info("proxy: refused a batch", slog.String("topic", topic), slog.Int("partition", int(p.Partition)),
		slog.String("producer", who), slog.Int("invalid", len(recErrs)), slog.Int("records", total), slog.String("first", first))
	return refuse(kerr.InvalidRecord.Code, fmt.Sprintf("Accord refused the batch: %d of %d records break the contract of %s; %s", len(recErrs), total, topic, first), recErrs)
}

// describe renders a record's failures in one line.
func describe(fs []validator.Failure) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// batchValidator is a Validator that checks many records at once for
// less than one by one; *validator.Validator is one.
type batchValidator interface {
	ValidateInto(ctx context.Context, records []validator.Record, out []validator.Verdict)
}

// parallelMin is the fewest records validated on several goroutines.
const parallelMin = 256

// validateAll validates recs into out, on up to GOMAXPROCS goroutines
// when there are many: a connection's requests are read one at a time, so
// this is where a big batch gets more than one core.
func (p *Proxy) validateAll(ctx context.Context, recs []validator.Record, out []validator.Verdict) {
	run := func(recs []validator.Record, out []validator.Verdict) {
		if bv, ok := p.cfg.Validator.(batchValidator); ok {
			bv.ValidateInto(ctx, recs, out)
			return
		}
		for i := range recs {
			out[i] = p.cfg.Validator.Validate(ctx, &recs[i])
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(recs)/parallelMin)
	if workers <= 1 {
		run(recs, out)
		return
	}
	var wg sync.WaitGroup
	chunk := (len(recs) + workers - 1) / workers
	for lo := chunk; lo < len(recs); lo += chunk {
		hi := min(lo+chunk, len(recs))
		wg.Go(func() { run(recs[lo:hi], out[lo:hi]) })
	}
	// This goroutine takes the first share rather than wait idle.
	run(recs[:chunk], out[:chunk])
	wg.Wait()
}

// scratch is what a session reuses from one Produce partition to the
// next: the records, their batch indexes, the verdicts and the
// decompression buffers.
type scratch struct {
	recs     []validator.Record
	indexes  []int
	verdicts []validator.Verdict
	bufs     [][]byte
}

// scratchMax bounds the buffers a session keeps between requests, so
// that one huge request does not pin its memory for the connection's
// life.
const scratchMax = 8 << 20

// keep keeps the slices for the next partition, dropping what points
// into this request and what grew too large.
func (sc *scratch) keep(recs []validator.Record, indexes []int) {
	clear(recs)
	clear(sc.verdicts)
	sc.recs, sc.indexes = recs[:0], indexes[:0]
	if cap(recs) > scratchMax/int(unsafe.Sizeof(validator.Record{})) {
		sc.recs, sc.indexes, sc.verdicts = nil, nil, nil
	}
	// The decompression buffers kept are bounded together, not one by
	// one: a partition of many batches must not pin many times the bound.
	kept := 0
	for i, b := range sc.bufs {
		if cap(b) > scratchMax-kept {
			sc.bufs[i] = nil
			continue
		}
		kept += cap(b)
	}
}
