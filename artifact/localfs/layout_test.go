package localfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

func TestSymlinksCannotEscapeRoot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A valid object outside the store, reachable only through symlinks.
	outside := t.TempDir()
	other := openStore(t, outside)
	if _, err := other.Put(ctx, "secret", strings.NewReader("outside data")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := openStore(t, dir)
	objects := filepath.Join(dir, objectsDir)
	rel, err := filepath.Rel(objects, filepath.Join(outside, objectsDir))
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"abs": filepath.Join(outside, objectsDir), "rel": rel}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(objects, name)); err != nil {
			t.Fatal(err)
		}
		key := name + "/secret"
		if _, err := s.Stat(ctx, key); err == nil {
			t.Errorf("Stat(%q) followed a symlink out of the root", key)
		}
		if rc, _, err := s.Get(ctx, key); err == nil {
			rc.Close()
			t.Errorf("Get(%q) followed a symlink out of the root", key)
		}
		if err := s.Delete(ctx, key); err == nil {
			t.Errorf("Delete(%q) followed a symlink out of the root", key)
		}
		if _, err := s.Put(ctx, name+"/planted", strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) followed a symlink out of the root", name+"/planted")
		}
		if _, err := s.List(ctx, name); err == nil {
			t.Errorf("List(%q) followed a symlink out of the root", name)
		}
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 0 {
		t.Errorf("List shows %q through symlinks", keysOf(infos))
	}
	outsideInfos, err := other.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(outsideInfos); !slices.Equal(got, []string{"secret"}) {
		t.Errorf("the outside store now holds %q, want only [secret]", got)
	}
}

func TestListHidesInternals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	for _, key := range []string{"a", "a/b"} {
		if _, err := s.Put(ctx, key, strings.NewReader(key)); err != nil {
			t.Fatal(err)
		}
	}
	// Things that are not objects: a Put in progress, stray files, a
	// reserved name, a directory with no object in it.
	for _, name := range []string{
		"tmp/in-progress.part",
		"objects/a/notes.txt",
		"objects/@reserved/@data",
		"objects/empty/dir/.keep",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("junk"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(infos); !slices.Equal(got, []string{"a", "a/b"}) {
		t.Errorf("List = %q, want [a a/b]", got)
	}
}

func TestOpenRemovesStaleTemps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir)
	s.Close()
	stale := filepath.Join(dir, tmpDir, "stale.part")
	fresh := filepath.Join(dir, tmpDir, "fresh.part")
	for _, path := range []string{stale, fresh} {
		if err := os.WriteFile(path, []byte("partial"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file survived Open: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file (a Put in progress) removed by Open: %v", err)
	}
}

func TestDamagedObjectFiles(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("weights "), 1000)
	tests := []struct {
		name   string
		damage func(t *testing.T, dir, key string)
	}{
		{"flipped content byte", func(t *testing.T, dir, key string) { flipByte(t, dir, key, 100) }},
		{"flipped trailer size", func(t *testing.T, dir, key string) { flipByte(t, dir, key, int64(len(content))+15) }},
		{"flipped trailer digest", func(t *testing.T, dir, key string) { flipByte(t, dir, key, int64(len(content))+30) }},
		{"truncated", func(t *testing.T, dir, key string) { truncate(t, dir, key, int64(len(content))) }},
		{"shorter than a trailer", func(t *testing.T, dir, key string) { truncate(t, dir, key, 10) }},
		{"appended", func(t *testing.T, dir, key string) { appendBytes(t, dir, key, []byte("more")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			s := openStore(t, dir)
			if _, err := s.Put(ctx, "m", bytes.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir, "m")
			if err := readAll(s, "m"); !errors.Is(err, artifact.ErrDigestMismatch) {
				t.Errorf("reading a damaged object: %v, want ErrDigestMismatch", err)
			}
		})
	}
}

func TestLongEscapedSegmentIsRefused(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	key := "a/@" + strings.Repeat("x", artifact.MaxSegmentLen-1) // valid, but 256 bytes once escaped
	if err := artifact.ValidateKey(key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), key, strings.NewReader("x")); !errors.Is(err, artifact.ErrInvalidKey) {
		t.Errorf("Put: %v, want ErrInvalidKey", err)
	}
	longest := "a/" + strings.Repeat("x", artifact.MaxSegmentLen)
	if _, err := s.Put(context.Background(), longest, strings.NewReader("x")); err != nil {
		t.Errorf("Put of a %d-byte segment: %v", artifact.MaxSegmentLen, err)
	}
}

func readAll(s *Store, key string) error {
	rc, _, err := s.Get(context.Background(), key)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

func truncate(t *testing.T, dir, key string, size int64) {
	t.Helper()
	if err := os.Truncate(objectFile(dir, key), size); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, dir, key string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(objectFile(dir, key), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func keysOf(infos []artifact.Info) []string {
	keys := make([]string, len(infos))
	for i, info := range infos {
		keys[i] = info.Key
	}
	return keys
}
