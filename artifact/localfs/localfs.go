// Package localfs is the artifact.Store that keeps objects on local disk,
// under Paddock's data directory.
//
// Layout under the root directory:
//
//	objects/<key segments>/@data   one file per object: the content, then a 64-byte trailer
//	tmp/<random>.part              Puts in progress
//
// Each key is a directory of its own and its content lives in the file
// "@data" inside it, so "a/b" and "a/b/c" can both be objects, as in S3
// (see artifact.ObjectName, which also says how keys are escaped).
//
// The trailer records the content's size, SHA-256 and write time (see
// trailer.go). Keeping it in the same file as the content means one rename
// swaps both at once: a reader never pairs new content with an old digest.
//
// All file access goes through an os.Root, which refuses any path, symbolic
// link included, that resolves outside the root directory.
package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/artifact"
)

const (
	objectsDir = "objects"
	tmpDir     = "tmp"
	// staleTempAge is how old a leftover temporary file must be before Open
	// removes it. A Put in progress rewrites its file continually, so only
	// files of Puts that died (crash, kill) grow this old.
	staleTempAge = time.Hour
	dirPerm      = 0o750
	filePerm     = 0o640
)

// Store is an artifact.Store on local disk, safe for concurrent use. Use
// Open to create one.
type Store struct {
	root   *os.Root
	closed atomic.Bool
}

var _ artifact.Store = (*Store)(nil)

// Open opens the store rooted at dir, creating dir and the layout if needed,
// and removes temporary files left behind by Puts that died.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("open artifact store %q: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open artifact store %q: %w", dir, err)
	}
	for _, sub := range []string{objectsDir, tmpDir} {
		if err := root.MkdirAll(sub, dirPerm); err != nil {
			root.Close()
			return nil, fmt.Errorf("open artifact store %q: %w", dir, err)
		}
	}
	s := &Store{root: root}
	if err := s.removeStaleTemps(time.Now().Add(-staleTempAge)); err != nil {
		root.Close()
		return nil, fmt.Errorf("open artifact store %q: %w", dir, err)
	}
	return s, nil
}

// removeStaleTemps deletes temporary files last written before cutoff.
func (s *Store) removeStaleTemps(cutoff time.Time) error {
	entries, err := fs.ReadDir(s.root.FS(), tmpDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue // vanished meanwhile, or still in use
		}
		if err := s.root.RemoveAll(tmpDir + "/" + e.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Ping reports whether the objects directory is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("ping: %w", artifact.ErrClosed)
	}
	info, err := s.root.Stat(objectsDir)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("ping: %s is not a directory", objectsDir)
	}
	return nil
}

// Close closes the root directory. Readers returned by Get keep their own
// open files and stay usable.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.root.Close()
}

// maxNameLen is the longest file name common file systems allow, in bytes.
const maxNameLen = 255

// check refuses calls on a closed store and invalid keys, including the
// rare valid key with a 255-byte segment that starts with "@", whose
// escaped directory name would be one byte too long.
func (s *Store) check(key string) error {
	if s.closed.Load() {
		return artifact.ErrClosed
	}
	if err := artifact.ValidateKey(key); err != nil {
		return err
	}
	for seg := range strings.SplitSeq(artifact.EscapeKey(key), "/") {
		if len(seg) > maxNameLen {
			return fmt.Errorf("%w: segment too long for a local file name", artifact.ErrInvalidKey)
		}
	}
	return nil
}
