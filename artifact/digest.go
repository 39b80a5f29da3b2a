package artifact

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// digestPrefix names the hash in a digest string.
const digestPrefix = "sha256:"

// FormatDigest writes a SHA-256 sum in the form used by Info.Digest.
func FormatDigest(sum []byte) string {
	return digestPrefix + hex.EncodeToString(sum)
}

// ParseDigest returns the 32-byte SHA-256 sum written in digest, which must
// have the form "sha256:<64 lower-case hex digits>".
func ParseDigest(digest string) ([]byte, error) {
	hexSum, ok := strings.CutPrefix(digest, digestPrefix)
	if !ok || len(hexSum) != 64 || strings.ToLower(hexSum) != hexSum {
		return nil, fmt.Errorf("malformed digest %q", digest)
	}
	sum, err := hex.DecodeString(hexSum)
	if err != nil {
		return nil, fmt.Errorf("malformed digest %q", digest)
	}
	return sum, nil
}
