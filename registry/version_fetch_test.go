package registry

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// Fetch writes a version's files as registered, and refuses one replaced
// through the store since: the store's own record of it is valid, only
// the registered digest tells.
func TestFetchChecksTheRegisteredDigests(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.model("churn")
	tr := e.trainRun()
	v := e.register("churn", tr)

	dir := t.TempDir()
	if _, err := e.reg.Fetch(ctx, "churn", v.Version, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range tr.Files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s fetched as %q (%v)", name, got, err)
		}
	}

	if _, err := e.store.Put(ctx, v.prefix+"/MLmodel", strings.NewReader("flavors: {}\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.Fetch(ctx, "churn", v.Version, t.TempDir()); !errors.Is(err, artifact.ErrDigestMismatch) {
		t.Fatalf("fetch after replacement: %v, want ErrDigestMismatch", err)
	}
}
