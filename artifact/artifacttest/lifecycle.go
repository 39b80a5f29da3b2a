package artifacttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// bytesReader returns a reader over b.
func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func testPingAndClose(t *testing.T, h Harness) {
	ctx := context.Background()
	if err := h.Store.Ping(ctx); err != nil {
		t.Fatalf("Ping on a fresh store: %v", err)
	}
	put(t, h.Store, "k", []byte("open before close"))
	rc, _, err := h.Store.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := h.Store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.Store.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := h.Store.Stat(ctx, "k"); !errors.Is(err, artifact.ErrClosed) {
		t.Errorf("Stat after Close: error %v, want ErrClosed", err)
	}
	if _, err := h.Store.Put(ctx, "k2", bytesReader(nil)); !errors.Is(err, artifact.ErrClosed) {
		t.Errorf("Put after Close: error %v, want ErrClosed", err)
	}
	if err := h.Store.Ping(ctx); !errors.Is(err, artifact.ErrClosed) {
		t.Errorf("Ping after Close: error %v, want ErrClosed", err)
	}
	// A reader opened before Close still works.
	if got, err := io.ReadAll(rc); err != nil || string(got) != "open before close" {
		t.Errorf("reading after Close = %q, %v", got, err)
	}
}
