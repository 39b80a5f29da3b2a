package artifacttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

func testNotFound(t *testing.T, h Harness) {
	ctx := context.Background()
	put(t, h.Store, "dir/file", []byte("x"))
	// "dir" is only a prefix of a key, not an object.
	for _, key := range []string{"missing", "dir", "dir/file/below", "dir/fil"} {
		_, err := h.Store.Stat(ctx, key)
		if !errors.Is(err, artifact.ErrNotFound) {
			t.Errorf("Stat(%q) error = %v, want ErrNotFound", key, err)
		} else if !strings.Contains(err.Error(), strconv.Quote(key)) {
			t.Errorf("Stat error %q does not name the key", err)
		}
		if rc, _, err := h.Store.Get(ctx, key); !errors.Is(err, artifact.ErrNotFound) {
			t.Errorf("Get(%q) error = %v, want ErrNotFound", key, err)
			if rc != nil {
				rc.Close()
			}
		}
		if err := h.Store.Delete(ctx, key); !errors.Is(err, artifact.ErrNotFound) {
			t.Errorf("Delete(%q) error = %v, want ErrNotFound", key, err)
		}
	}
}

func testDelete(t *testing.T, h Harness) {
	ctx := context.Background()
	put(t, h.Store, "runs/1/a", []byte("a"))
	put(t, h.Store, "runs/1/b", []byte("b"))
	put(t, h.Store, "runs/1", []byte("parent"))
	if err := h.Store.Delete(ctx, "runs/1/a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := h.Store.Stat(ctx, "runs/1/a"); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("Stat after Delete error = %v, want ErrNotFound", err)
	}
	if err := h.Store.Delete(ctx, "runs/1/a"); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("second Delete error = %v, want ErrNotFound", err)
	}
	if err := h.Store.Delete(ctx, "runs/1/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// Deleting every key below "runs/1" must leave the object "runs/1" alone.
	if content, _ := get(t, h.Store, "runs/1"); string(content) != "parent" {
		t.Errorf("Get(runs/1) = %q after deleting the keys below it", content)
	}
	infos, err := h.Store.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(infos); len(got) != 1 || got[0] != "runs/1" {
		t.Errorf("List after Delete = %q, want [runs/1]", got)
	}
	// A deleted key can be written again.
	put(t, h.Store, "runs/1/a", []byte("again"))
	if content, _ := get(t, h.Store, "runs/1/a"); string(content) != "again" {
		t.Errorf("Get after re-Put = %q", content)
	}
}

// invalidKeys are refused by every method.
var invalidKeys = []string{
	"", "..", "../x", "a/../b", "a/..", "./a", "a/./b", "/abs", "/", "a/", "a//b",
	"a\x00b", "a\nb", `a\b`, `..\x`, "\xff", strings.Repeat("k", artifact.MaxKeyLen+1),
}

func testInvalidKeys(t *testing.T, h Harness) {
	ctx := context.Background()
	for _, key := range invalidKeys {
		if _, err := h.Store.Put(ctx, key, bytes.NewReader([]byte("x"))); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if rc, _, err := h.Store.Get(ctx, key); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", key, err)
			if rc != nil {
				rc.Close()
			}
		}
		if _, err := h.Store.Stat(ctx, key); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if err := h.Store.Delete(ctx, key); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	infos, err := h.Store.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 0 {
		t.Errorf("invalid Puts stored %q", keysOf(infos))
	}
}

func testTamperedContentIsDetected(t *testing.T, h Harness) {
	ctx := context.Background()
	const key = "models/tampered.bin"
	content, err := io.ReadAll(generated(3, 200<<10))
	if err != nil {
		t.Fatal(err)
	}
	info := put(t, h.Store, key, content)
	h.Tamper(t, key)

	rc, _, err := h.Store.Get(ctx, key)
	if err != nil {
		// Refusing to open is acceptable too, if it says why.
		if !errors.Is(err, artifact.ErrDigestMismatch) {
			t.Fatalf("Get of tampered object: %v, want ErrDigestMismatch", err)
		}
		return
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("reading tampered object: error %v, want ErrDigestMismatch", err)
	}
	if bytes.Equal(got, content) {
		t.Fatal("Tamper did not change the content")
	}
	// The record is intact: Stat still reports what was written.
	stat, err := h.Store.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat of tampered object: %v", err)
	}
	checkInfo(t, "Stat of tampered object", stat, info)
	// Other objects are unaffected.
	put(t, h.Store, "models/fine.bin", content)
	if got, _ := get(t, h.Store, "models/fine.bin"); !bytes.Equal(got, content) {
		t.Error("an untampered object read back wrong")
	}
}
