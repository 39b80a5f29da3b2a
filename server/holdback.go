package server

import (
	"bufio"
	"bytes"
	"io"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// holdbackReader passes a verified stream through but always keeps its
// last byte until the source reports a clean io.EOF. When the source ends
// with an error (a digest mismatch), that byte is never released, so the
// client sees a short body rather than a complete corrupted one.
type holdbackReader struct {
	src    *bufio.Reader
	closer io.Closer
	log    func(error)
	failed bool
}

func (h *holdbackReader) Read(p []byte) (int, error) {
	if h.failed {
		return 0, io.ErrUnexpectedEOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Peek one byte past what we hand out: if it exists, everything before
	// it is safe to release.
	want := len(p)
	if want > h.src.Size()-1 {
		want = h.src.Size() - 1
	}
	buf, err := h.src.Peek(want + 1)
	if len(buf) > 1 {
		n := copy(p, buf[:len(buf)-1])
		_, _ = h.src.Discard(n)
		return n, nil
	}
	if err == io.EOF {
		n := copy(p, buf) // the source verified its digest: release the tail
		_, _ = h.src.Discard(n)
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
	if err != nil {
		h.failed = true
		h.log(err)
		return 0, err
	}
	return 0, nil
}

// Close closes the source; fasthttp calls it when the response is done.
func (h *holdbackReader) Close() error { return h.closer.Close() }
