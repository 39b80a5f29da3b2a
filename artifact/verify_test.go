package artifact_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

func infoFor(content []byte) artifact.Info {
	sum := sha256.Sum256(content)
	return artifact.Info{Key: "k", Size: int64(len(content)), Digest: artifact.FormatDigest(sum[:])}
}

func TestVerifyReader(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("paddock "), 10_000)
	tampered := bytes.Clone(content)
	tampered[len(tampered)/2] ^= 1
	tests := []struct {
		name    string
		stored  []byte
		wantErr error
	}{
		{"intact", content, nil},
		{"empty intact", nil, nil},
		{"flipped byte", tampered, artifact.ErrDigestMismatch},
		{"truncated", content[:len(content)-1], artifact.ErrDigestMismatch},
		{"extended", append(bytes.Clone(content), 'x'), artifact.ErrDigestMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := content
			if tt.name == "empty intact" {
				want = nil
			}
			r, err := artifact.VerifyReader(io.NopCloser(bytes.NewReader(tt.stored)), infoFor(want))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadAll error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !bytes.Equal(got, want) {
				t.Fatal("content changed on the way through")
			}
			if _, again := r.Read(make([]byte, 1)); tt.wantErr != nil && !errors.Is(again, tt.wantErr) {
				t.Fatalf("second Read error = %v, want the same mismatch", again)
			}
		})
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestVerifyReaderStopsPastRecordedSize(t *testing.T) {
	t.Parallel()
	r, err := artifact.VerifyReader(io.NopCloser(endless{}), infoFor(make([]byte, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	if !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("error = %v, want ErrDigestMismatch", err)
	}
	if n > 1000+64*1024 {
		t.Fatalf("read %d bytes of an endless stream before failing", n)
	}
}

func TestVerifyReaderRefusesBadRecord(t *testing.T) {
	t.Parallel()
	for _, info := range []artifact.Info{
		{Digest: "md5:abc"},
		{Digest: "sha256:XYZ"},
		{Digest: "sha256:" + string(bytes.Repeat([]byte("A"), 64))},
		{Digest: artifact.FormatDigest(make([]byte, 32)), Size: -1},
	} {
		if _, err := artifact.VerifyReader(io.NopCloser(bytes.NewReader(nil)), info); !errors.Is(err, artifact.ErrDigestMismatch) {
			t.Errorf("VerifyReader(%+v) error = %v, want ErrDigestMismatch", info, err)
		}
	}
}
