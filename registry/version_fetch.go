package registry

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/artifact"
)

// Fetch copies a version's files into dir (created, and expected to be
// empty) so that a flavor can load them from disk, and returns the
// version. Every file is checked against the digest and size recorded
// when the version was registered, while it is written: a file changed
// in the store since then fails with an error wrapping
// artifact.ErrDigestMismatch and dir is left incomplete (the caller
// removes it). Serving fetches every version it loads through here, so a
// tampered artifact is never served.
func (s *Service) Fetch(ctx context.Context, name string, version int64, dir string) (Version, error) {
	v, err := s.GetVersion(ctx, name, version)
	if err != nil {
		return Version{}, err
	}
	if v.Status != StatusReady || v.prefix == "" {
		return Version{}, errNoFiles(v)
	}
	files, err := s.versionFiles(ctx, v)
	if err != nil {
		return Version{}, err
	}
	root, err := openRoot(dir)
	if err != nil {
		return Version{}, err
	}
	defer root.Close()
	for _, f := range files {
		if err := s.fetchOne(ctx, root, v, f); err != nil {
			return Version{}, fmt.Errorf("version %d of %s: file %s: %w", version, name, f.Path, err)
		}
	}
	return v, nil
}

// openRoot creates dir and opens it as an os.Root, so that a manifest
// path can never write outside it.
func openRoot(dir string) (*os.Root, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(dir)
}

func (s *Service) fetchOne(ctx context.Context, root *os.Root, v Version, f File) error {
	rc, info, err := s.store.Get(ctx, v.prefix+"/"+f.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if info.Digest != f.Digest || info.Size != f.Size {
		return fmt.Errorf("%w: it is %s (%d bytes) but was registered as %s (%d bytes)",
			artifact.ErrDigestMismatch, info.Digest, info.Size, f.Digest, f.Size)
	}
	if d := filepath.Dir(filepath.FromSlash(f.Path)); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	out, err := root.Create(filepath.FromSlash(f.Path))
	if err != nil {
		return err
	}
	// The store's reader checks the content against its record as it
	// goes (ErrDigestMismatch at the end), and the record was just
	// checked against the manifest: what is written is what was
	// registered, or the copy fails.
	_, err = io.Copy(out, rc)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
