package dek

import (
	"maps"
	"time"
)

// KEK is a key encryption key: where the key lives in a KMS. Accord keeps
// only this metadata.
type KEK struct {
	Name     string            `json:"name"`
	KMSType  string            `json:"kmsType"`
	KMSKeyID string            `json:"kmsKeyId"`
	KMSProps map[string]string `json:"kmsProps"`
	Doc      string            `json:"doc,omitempty"`
	// Shared says the KMS key may be used by the registry to generate and
	// decrypt DEKs for clients (Confluent's server does; Accord never holds
	// KMS credentials, see the package documentation).
	Shared  bool  `json:"shared"`
	Ts      int64 `json:"ts"` // last change, Unix milliseconds
	Deleted bool  `json:"deleted"`
}

// equivalent reports whether k and o describe the same key (Confluent's
// isEquivalent: everything but the timestamp and the deleted flag).
func (k KEK) equivalent(o KEK) bool {
	return k.Name == o.Name && k.KMSType == o.KMSType && k.KMSKeyID == o.KMSKeyID &&
		maps.Equal(k.KMSProps, o.KMSProps) && k.Doc == o.Doc && k.Shared == o.Shared
}

// DEK is one version of a data encryption key of a subject, encrypted by
// its KEK.
type DEK struct {
	KEKName   string    `json:"kekName"`
	Subject   string    `json:"subject"`
	Version   int       `json:"version"`
	Algorithm Algorithm `json:"algorithm"`
	// EncryptedKeyMaterial is the key as its KEK encrypted it, base64.
	EncryptedKeyMaterial string `json:"encryptedKeyMaterial,omitempty"`
	// KeyMaterial (the key in clear) is part of Confluent's shape, filled
	// only by a registry that decrypts shared DEKs; Accord never does, so
	// it is always empty.
	KeyMaterial string `json:"keyMaterial,omitempty"`
	Ts          int64  `json:"ts"`
	Deleted     bool   `json:"deleted"`
}

func (d DEK) equivalent(o DEK) bool {
	return d.KEKName == o.KEKName && d.Subject == o.Subject && d.Version == o.Version &&
		d.Algorithm == o.Algorithm && d.EncryptedKeyMaterial == o.EncryptedKeyMaterial
}

// Algorithm is a DEK's cipher, as Confluent names them.
type Algorithm string

// Algorithms.
const (
	AES128GCM Algorithm = "AES128_GCM"
	AES256GCM Algorithm = "AES256_GCM" // the default
	AES256SIV Algorithm = "AES256_SIV" // deterministic
)

// ParseAlgorithm reads an algorithm query parameter or request field;
// empty is AES256_GCM.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case "":
		return AES256GCM, nil
	case AES128GCM, AES256GCM, AES256SIV:
		return a, nil
	}
	return "", errorf(ErrInvalidKey, "Invalid key: algorithm %q is not AES128_GCM, AES256_GCM or AES256_SIV", s)
}

// CreateKEK is the body of POST /dek-registry/v1/keks.
type CreateKEK struct {
	Name     string            `json:"name"`
	KMSType  string            `json:"kmsType"`
	KMSKeyID string            `json:"kmsKeyId"`
	KMSProps map[string]string `json:"kmsProps"`
	Doc      string            `json:"doc"`
	Shared   bool              `json:"shared"`
	// Deleted creates the key soft-deleted (migrations between registries).
	Deleted bool `json:"deleted"`
}

// UpdateKEK is the body of PUT /dek-registry/v1/keks/{name}: absent
// fields keep their value.
type UpdateKEK struct {
	KMSProps map[string]string `json:"kmsProps"`
	Doc      *string           `json:"doc"`
	Shared   *bool             `json:"shared"`
}

// CreateDEK is the body of POST /dek-registry/v1/keks/{name}/deks.
type CreateDEK struct {
	Subject              string `json:"subject"`
	Version              int    `json:"version"` // 1 when 0
	Algorithm            string `json:"algorithm"`
	EncryptedKeyMaterial string `json:"encryptedKeyMaterial"`
	Deleted              bool   `json:"deleted"`
}

func millis(t time.Time) int64 { return t.UnixMilli() }
