// Package dek is Accord's DEK registry: the key registry that Confluent's
// client-side field-level encryption (CSFLE) serializers call, under
// /dek-registry/v1, with Confluent's paths, JSON shapes and error codes.
//
// A KEK (key encryption key) is metadata only: the name of a key held in a
// KMS (kmsType, kmsKeyId, kmsProps), a doc and the shared flag. A DEK
// (data encryption key) is a version of a per-subject key, stored only as
// the client encrypted it with its KEK (encryptedKeyMaterial). Accord never
// holds a KMS credential and so never sees a key in clear: clients encrypt
// and decrypt DEKs with their own KMS access. Confluent's server generates
// and decrypts DEKs itself for a shared KEK; Accord cannot, so a DEK
// created under a shared KEK must carry its encryptedKeyMaterial (see
// docs/dek-registry.md for what that means for clients).
//
// The Service holds the rules (names, algorithms, versions, soft and
// permanent deletes, who may write); a Store (package dek/sqldek) keeps the
// keys and runs every write in one transaction with its audit entry.
package dek
