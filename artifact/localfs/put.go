package localfs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// copyBufferSize is the buffer through which Put streams content; it is all
// the memory a Put holds, whatever the object's size.
const copyBufferSize = 256 << 10

// commitAttempts bounds how often Put retries moving a finished file into
// place while concurrent Deletes remove the directories it just made.
const commitAttempts = 10

// Put streams r into a temporary file, appends the trailer, syncs the file
// to disk and renames it over the key's file, so the object changes in one
// step. Concurrent Puts of one key each write their own temporary file; the
// last rename wins. A failed or canceled Put leaves the previous object.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (artifact.Info, error) {
	info, err := s.put(ctx, key, r)
	if err != nil {
		return artifact.Info{}, fmt.Errorf("put %q: %w", key, err)
	}
	return info, nil
}

func (s *Store) put(ctx context.Context, key string, r io.Reader) (artifact.Info, error) {
	if err := s.check(key); err != nil {
		return artifact.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return artifact.Info{}, err
	}
	tmp := tmpDir + "/" + rand.Text() + ".part"
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return artifact.Info{}, err
	}
	info, err := writeObject(ctx, f, key, r)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = s.commit(tmp, key)
	}
	if err != nil {
		s.root.Remove(tmp) // best effort; Open sweeps what is left
		return artifact.Info{}, err
	}
	return info, nil
}

// writeObject streams r into f followed by the trailer and syncs f.
func writeObject(ctx context.Context, f *os.File, key string, r io.Reader) (artifact.Info, error) {
	h := sha256.New()
	size, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx, r}, make([]byte, copyBufferSize))
	if err != nil {
		return artifact.Info{}, err
	}
	// Nanosecond precision survives the trailer; the location does not.
	modified := time.Now().UTC()
	sum := h.Sum(nil)
	if _, err := f.Write(encodeTrailer(size, sum, modified)); err != nil {
		return artifact.Info{}, err
	}
	if err := f.Sync(); err != nil {
		return artifact.Info{}, err
	}
	return artifact.Info{Key: key, Size: size, Digest: artifact.FormatDigest(sum), Modified: modified}, nil
}

// commit moves the finished temporary file tmp into place for key.
func (s *Store) commit(tmp, key string) error {
	dir := keyDir(key)
	for attempt := 1; ; attempt++ {
		err := s.root.MkdirAll(dir, dirPerm)
		if err == nil {
			err = s.root.Rename(tmp, objectPath(key))
		}
		if err == nil {
			return s.syncDir(dir)
		}
		// A Delete of a sibling key may remove a directory we just created
		// (it prunes directories it leaves empty); make it again.
		if !errors.Is(err, fs.ErrNotExist) || attempt == commitAttempts {
			return err
		}
	}
}

// syncDir flushes dir's entries to disk, so a rename into it survives a crash.
func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
