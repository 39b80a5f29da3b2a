package artifacttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// failingReader yields n bytes of generated content and then fails with err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

var errSource = errors.New("source broke")

func testFailedPutKeepsPreviousObject(t *testing.T, h Harness) {
	ctx := context.Background()
	const key = "runs/7/model.bin"
	put(t, h.Store, key, []byte("the good version"))
	for _, size := range []int64{0, 100 << 10, 3 << 20} {
		_, err := h.Store.Put(ctx, key, &failingReader{r: generated(1, size), err: errSource})
		if !errors.Is(err, errSource) {
			t.Fatalf("Put from a failing reader (after %d bytes): error %v, want the reader's error", size, err)
		}
		if content, _ := get(t, h.Store, key); string(content) != "the good version" {
			t.Fatalf("after a failed Put of %d bytes, Get = %.40q, want the previous content", size, content)
		}
	}
	// Nothing half-written shows up.
	_, err := h.Store.Put(ctx, "runs/7/new.bin", &failingReader{r: generated(1, 1<<20), err: errSource})
	if !errors.Is(err, errSource) {
		t.Fatalf("Put from a failing reader: error %v", err)
	}
	infos, err := h.Store.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(infos); len(got) != 1 || got[0] != key {
		t.Errorf("List after failed Puts = %q, want only %q", got, key)
	}
}

// cancelingReader cancels its context once it has yielded half its content.
type cancelingReader struct {
	r      io.Reader
	left   int
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.left -= n; c.left <= 0 {
		c.cancel()
	}
	return n, err
}

func testCanceledPutStoresNothing(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelingReader{r: generated(2, 4<<20), left: 2 << 20, cancel: cancel}
	_, err := h.Store.Put(ctx, "canceled", r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put canceled half way: error %v, want context.Canceled", err)
	}
	if _, err := h.Store.Stat(context.Background(), "canceled"); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("Stat after a canceled Put: error %v, want ErrNotFound", err)
	}
	// A context canceled before the call stores nothing either.
	if _, err := h.Store.Put(ctx, "canceled", bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: error %v, want context.Canceled", err)
	}
	if _, err := h.Store.Stat(context.Background(), "canceled"); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("Stat after a canceled Put: error %v, want ErrNotFound", err)
	}
}
