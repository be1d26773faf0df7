package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
)

// API tokens look like acc_<id>_<secret>: id is 10 random bytes and secret
// 32 random bytes, both in lowercase unpadded base32 (no '_' or ':', so
// the token splits unambiguously and fits in basic.auth.user.info as
// name:token). The id finds the stored row; the secret proves possession.
//
// Only SHA-256(secret) is stored. A slow password hash (argon2id, bcrypt)
// exists to make guessing low-entropy human passwords expensive; a
// 256-bit random secret cannot be guessed, so one SHA-256 is as strong and
// keeps a cache miss cheap.
const (
	TokenPrefix = "acc_"
	idBytes     = 10
	secretBytes = 32
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewToken returns a fresh token: its id, the full text to show once, and
// the hash to store.
func NewToken() (id, text, secretHash string, err error) {
	var raw [idBytes + secretBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", "", "", fmt.Errorf("auth: generating a token: %w", err)
	}
	id = strings.ToLower(b32.EncodeToString(raw[:idBytes]))
	secret := strings.ToLower(b32.EncodeToString(raw[idBytes:]))
	return id, TokenPrefix + id + "_" + secret, HashSecret(secret), nil
}

// ParseToken splits a token's text into id and secret; ok is false when
// text is not shaped like an Accord token.
func ParseToken(text string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(text, TokenPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != b32.EncodedLen(idBytes) || len(secret) != b32.EncodedLen(secretBytes) ||
		!isBase32(id) || !isBase32(secret) {
		return "", "", false
	}
	return id, secret, true
}

// HashSecret returns the stored form of a token secret: hex SHA-256.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored hash in
// constant time.
func secretMatches(secret, storedHash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(storedHash)) == 1
}

func isBase32(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
