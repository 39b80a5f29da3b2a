package artifacttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// generated returns n pseudo-random bytes determined by seed, produced as
// they are read, so a test can stream large objects without holding them.
func generated(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// digestOf returns the digest of everything r yields.
func digestOf(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return artifact.FormatDigest(h.Sum(nil))
}

// digestOfBytes returns the digest of b.
func digestOfBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return artifact.FormatDigest(sum[:])
}

// put stores content under key and fails the test on error.
func put(t *testing.T, s artifact.Store, key string, content []byte) artifact.Info {
	t.Helper()
	info, err := s.Put(context.Background(), key, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

// get reads the object under key to its end and fails the test unless the
// reader ends with io.EOF (so the digest was verified).
func get(t *testing.T, s artifact.Store, key string) ([]byte, artifact.Info) {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return content, info
}

// sameStream reports how got differs from want, reading both in step. It
// also fails unless got ends with io.EOF right where want ends.
func sameStream(got, want io.Reader) error {
	bufGot, bufWant := make([]byte, 64<<10), make([]byte, 64<<10)
	var off int64
	for {
		nw, errW := io.ReadFull(want, bufWant)
		if ng, err := io.ReadFull(got, bufGot[:nw]); err != nil {
			return fmt.Errorf("after %d bytes: %w", off+int64(ng), err)
		}
		if !bytes.Equal(bufGot[:nw], bufWant[:nw]) {
			return fmt.Errorf("content differs in the %d bytes after offset %d", nw, off)
		}
		off += int64(nw)
		if errW != nil { // want has ended
			if n, err := io.ReadFull(got, bufGot[:1]); err != io.EOF {
				return fmt.Errorf("after the expected %d bytes: read %d more, error %v (want io.EOF)", off, n, err)
			}
			return nil
		}
	}
}

// checkInfo compares the Key, Size and Digest of got with want, and checks
// that got.Modified is close to want.Modified.
func checkInfo(t *testing.T, what string, got, want artifact.Info) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.Digest != want.Digest {
		t.Errorf("%s = {%q %d %s}, want {%q %d %s}", what,
			got.Key, got.Size, got.Digest, want.Key, want.Size, want.Digest)
	}
	// S3 reports Last-Modified in whole seconds on some calls, in
	// milliseconds on others.
	if d := got.Modified.Sub(want.Modified); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("%s.Modified = %v, want within 2s of %v", what, got.Modified, want.Modified)
	}
}

// artifactInfo builds an Info.
func artifactInfo(key string, size int64, digest string, modified time.Time) artifact.Info {
	return artifact.Info{Key: key, Size: size, Digest: digest, Modified: modified}
}

// keysOf returns the keys of infos in order.
func keysOf(infos []artifact.Info) []string {
	keys := make([]string, len(infos))
	for i, info := range infos {
		keys[i] = info.Key
	}
	return keys
}
