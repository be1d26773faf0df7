package proxy

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Version caps the proxy applies to ApiVersions answers.
const (
	// maxProduce: Produce v13 names topics by id, which the validator
	// cannot map to a stream without the cluster's topic ids.
	maxProduce = 12
	// maxFetch: Fetch v16+ answers may name brokers (NodeEndpoints), and
	// fetch answers are passed through without being decoded.
	maxFetch = 15
	keyFetch = 1
)

// fixer returns how to rewrite the answer to a request of key, nil when
// it passes unchanged.
func (p *Proxy) fixer(key int16) func(kmsg.Response) error {
	switch key {
	case keyMetadata, keyFindCoordinator, keyDescribeCluster:
		return p.rewriteBrokers
	case keyApiVersions:
		if p.cfg.SASL != nil {
			return capVersionsSASL
		}
		return capVersions
	}
	return nil
}

// rewriteBrokers replaces every broker host:port in an answer with the
// proxy's listener for that broker.
func (p *Proxy) rewriteBrokers(r kmsg.Response) error {
	switch resp := r.(type) {
	case *kmsg.MetadataResponse:
		single := len(resp.Brokers) == 1
		for i := range resp.Brokers {
			b := &resp.Brokers[i]
			b.Host, b.Port = p.advertise(b.Host, b.Port, single)
		}
	case *kmsg.FindCoordinatorResponse:
		if resp.Version < 4 {
			resp.Host, resp.Port = p.advertise(resp.Host, resp.Port, false)
		}
		for i := range resp.Coordinators {
			c := &resp.Coordinators[i]
			c.Host, c.Port = p.advertise(c.Host, c.Port, false)
		}
	case *kmsg.DescribeClusterResponse:
		single := len(resp.Brokers) == 1
		for i := range resp.Brokers {
			b := &resp.Brokers[i]
			b.Host, b.Port = p.advertise(b.Host, b.Port, single)
		}
	case *kmsg.ProduceResponse:
		for i := range resp.Brokers {
			b := &resp.Brokers[i]
			b.Host, b.Port = p.advertise(b.Host, b.Port, false)
		}
	}
	return nil
}

// The SASL versions the proxy answers itself (sasl.go) when it
// authenticates: a SaslHandshake v0 is followed by a bare PLAIN token, v1
// by SaslAuthenticate, which kmsg decodes in every version.
const (
	maxSASLHandshake    = 1
	maxSASLAuthenticate = 2
)

// capVersionsSASL is capVersions for a proxy that authenticates: the SASL
// keys advertised are the proxy's own, not the broker's (which may have
// none, or other versions), so clients that pick a mechanism from the
// ApiVersions answer (older librdkafka, e.g. Debian's kcat) authenticate.
func capVersionsSASL(r kmsg.Response) error {
	if err := capVersions(r); err != nil {
		return err
	}
	resp, ok := r.(*kmsg.ApiVersionsResponse)
	if !ok {
		return nil
	}
	own := map[int16]int16{keySaslHandshake: maxSASLHandshake, keySaslAuthenticate: maxSASLAuthenticate}
	for i := range resp.ApiKeys {
		k := &resp.ApiKeys[i]
		if max, ok := own[k.ApiKey]; ok {
			k.MinVersion, k.MaxVersion = 0, max
			delete(own, k.ApiKey)
		}
	}
	for _, key := range []int16{keySaslHandshake, keySaslAuthenticate} {
		if max, ok := own[key]; ok {
			resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: key, MinVersion: 0, MaxVersion: max})
		}
	}
	return nil
}

// capVersions lowers the Produce and Fetch versions a broker offers.
func capVersions(r kmsg.Response) error {
	resp, ok := r.(*kmsg.ApiVersionsResponse)
	if !ok {
		return nil
	}
	for i := range resp.ApiKeys {
		k := &resp.ApiKeys[i]
		switch {
		case k.ApiKey == keyProduce && k.MaxVersion > maxProduce:
			k.MaxVersion = maxProduce
		case k.ApiKey == keyFetch && k.MaxVersion > maxFetch:
			k.MaxVersion = maxFetch
		}
	}
	return nil
}
