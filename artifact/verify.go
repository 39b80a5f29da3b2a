package artifact

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
)

// VerifyReader returns a reader over the content in rc that checks it against
// want.Size and want.Digest while it is read. At the end of the content it
// returns io.EOF only when both match; otherwise, and as soon as the content
// runs past want.Size, it returns an error wrapping ErrDigestMismatch instead.
// Errors from rc pass through unchanged. Closing the result closes rc.
// Backends use it to implement Store.Get.
func VerifyReader(rc io.ReadCloser, want Info) (io.ReadCloser, error) {
	sum, err := ParseDigest(want.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: recorded %v", ErrDigestMismatch, err)
	}
	if want.Size < 0 {
		return nil, fmt.Errorf("%w: recorded size %d is negative", ErrDigestMismatch, want.Size)
	}
	return &verifyingReader{rc: rc, want: want, sum: sum, hash: sha256.New()}, nil
}

// verifyingReader hashes what it reads and judges the content at its end.
type verifyingReader struct {
	rc   io.ReadCloser
	want Info
	sum  []byte
	hash hash.Hash
	read int64
	err  error // sticky: once the content is judged, every Read returns it
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.rc.Read(p)
	v.hash.Write(p[:n])
	v.read += int64(n)
	switch {
	case v.read > v.want.Size:
		// Do not wait for the end: a stream longer than recorded may never end.
		v.err = fmt.Errorf("%w: content of %q is longer than the recorded %d bytes",
			ErrDigestMismatch, v.want.Key, v.want.Size)
		return n, v.err
	case err == io.EOF:
		v.err = v.judge()
		return n, v.err
	}
	return n, err
}

// judge compares the complete content with the record.
func (v *verifyingReader) judge() error {
	if v.read != v.want.Size {
		return fmt.Errorf("%w: content of %q has %d bytes, recorded %d",
			ErrDigestMismatch, v.want.Key, v.read, v.want.Size)
	}
	if got := v.hash.Sum(nil); !bytes.Equal(got, v.sum) {
		return fmt.Errorf("%w: content of %q has %s, recorded %s",
			ErrDigestMismatch, v.want.Key, FormatDigest(got), v.want.Digest)
	}
	return io.EOF
}

func (v *verifyingReader) Close() error {
	return v.rc.Close()
}
