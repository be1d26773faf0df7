package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id at OWASP's recommended minimum
// (19 MiB, two passes, one lane) and stored in the PHC string format, so
// the parameters can be raised later without invalidating stored hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16

	// MinPasswordLen and MaxPasswordLen bound passwords (in bytes).
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// hashSlots bounds concurrent argon2id computations: each takes 19 MiB,
// so a flood of Basic requests with wrong passwords must queue instead of
// exhausting memory.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// CheckPassword reports whether pw is acceptable as a password.
func CheckPassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return Errorf(ErrInvalid, "password is too short: at least %d characters are required", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return Errorf(ErrInvalid, "password is too long: at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the PHC-encoded argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: generating a salt: %w", err)
	}
	hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	<-hashSlots
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC-encoded hash. A
// malformed hash never matches.
func VerifyPassword(pw, hash string) bool {
	if hash == "" || len(pw) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	hashSlots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1
}
