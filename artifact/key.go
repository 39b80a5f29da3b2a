package artifact

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key limits. MaxSegmentLen keeps every segment usable as a file name on
// common file systems, so local disk and S3 accept the same keys.
const (
	// MaxKeyLen is the longest key, in bytes (S3 allows 1024).
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest segment between slashes, in bytes.
	MaxSegmentLen = 255
)

// ValidateKey reports whether key can name an object, wrapping ErrInvalidKey
// when it cannot. A key is valid UTF-8 of at most MaxKeyLen bytes made of
// "/"-separated segments; each segment is 1 to MaxSegmentLen bytes, is not
// "." or "..", and holds no backslash and no control character (NUL
// included). So a key is never absolute, never starts or ends with "/", and
// has no empty segment: it always names a path strictly inside a directory,
// and no two different keys name the same path.
func ValidateKey(key string) error {
	if reason := keyProblem(key); reason != "" {
		return fmt.Errorf("%w: %s", ErrInvalidKey, reason)
	}
	return nil
}

// keyProblem returns why key is invalid, or "" when it is valid.
func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	case strings.HasPrefix(key, "/") || filepath.IsAbs(key) || filepath.VolumeName(key) != "":
		return "absolute path"
	case strings.ContainsRune(key, '\\'):
		return "backslash"
	case strings.ContainsFunc(key, unicode.IsControl):
		return "control character"
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "empty segment"
		case seg == "." || seg == "..":
			return fmt.Sprintf("%q segment", seg)
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("segment longer than %d bytes", MaxSegmentLen)
		}
	}
	return ""
}
