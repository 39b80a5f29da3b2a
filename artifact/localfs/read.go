package localfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/paddockml/paddock/artifact"
)

// Get opens the object under key. The returned reader streams the content
// from its own open file, so a later Put or Delete of the key does not
// disturb it, and verifies the digest as it goes.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, artifact.Info, error) {
	rc, info, err := s.get(key)
	if err != nil {
		return nil, artifact.Info{}, fmt.Errorf("get %q: %w", key, err)
	}
	return rc, info, nil
}

func (s *Store) get(key string) (io.ReadCloser, artifact.Info, error) {
	if err := s.check(key); err != nil {
		return nil, artifact.Info{}, err
	}
	f, info, err := s.openObject(objectPath(key), key)
	if err != nil {
		return nil, artifact.Info{}, err
	}
	content := struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, 0, info.Size), f}
	rc, err := artifact.VerifyReader(content, info)
	if err != nil {
		f.Close()
		return nil, artifact.Info{}, err
	}
	return rc, info, nil
}

// Stat reads the trailer of the object under key.
func (s *Store) Stat(ctx context.Context, key string) (artifact.Info, error) {
	if err := s.check(key); err != nil {
		return artifact.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	info, err := s.statObject(objectPath(key), key)
	if err != nil {
		return artifact.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	return info, nil
}

// statObject returns the Info recorded in the object file at name.
func (s *Store) statObject(name, key string) (artifact.Info, error) {
	f, info, err := s.openObject(name, key)
	if err != nil {
		return artifact.Info{}, err
	}
	return info, f.Close()
}

// openObject opens the object file at name and reads its trailer.
func (s *Store) openObject(name, key string) (*os.File, artifact.Info, error) {
	f, err := s.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, artifact.Info{}, artifact.ErrNotFound
	}
	if err != nil {
		return nil, artifact.Info{}, err
	}
	info, err := readTrailer(f, key)
	if err != nil {
		f.Close()
		return nil, artifact.Info{}, err
	}
	return f, info, nil
}

// readTrailer reads and checks the trailer of the object file f.
func readTrailer(f *os.File, key string) (artifact.Info, error) {
	st, err := f.Stat()
	if err != nil {
		return artifact.Info{}, err
	}
	if !st.Mode().IsRegular() {
		return artifact.Info{}, fmt.Errorf("%w: object file is not a regular file", artifact.ErrDigestMismatch)
	}
	if st.Size() < trailerSize {
		return artifact.Info{}, fmt.Errorf("%w: object file is shorter than its trailer", artifact.ErrDigestMismatch)
	}
	b := make([]byte, trailerSize)
	if _, err := f.ReadAt(b, st.Size()-trailerSize); err != nil {
		return artifact.Info{}, err
	}
	return decodeTrailer(b, st.Size(), key)
}
