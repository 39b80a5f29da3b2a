package registry

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// Archive is a version's files ready to stream as a tar archive.
type Archive struct {
	// Version is the version the archive holds.
	Version Version
	// Files is its manifest.
	Files []File
	store artifact.Store
}

// OpenArchive prepares the download of a version's files. It checks
// before any byte is sent that every stored file still carries the digest
// the manifest recorded: a file replaced since registration is reported
// here as artifact.ErrDigestMismatch.
func (s *Service) OpenArchive(ctx context.Context, name string, version int64) (*Archive, error) {
	v, err := s.GetVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusReady || v.prefix == "" {
		return nil, errNoFiles(v)
	}
	files, err := s.versionFiles(ctx, v)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		info, err := s.store.Stat(ctx, v.prefix+"/"+f.Path)
		if err != nil {
			return nil, fmt.Errorf("version %d of %s: file %s: %w", version, name, f.Path, err)
		}
		if info.Digest != f.Digest || info.Size != f.Size {
			return nil, fmt.Errorf("%w: version %d of %s: file %s is %s (%d bytes) but was registered as %s (%d bytes)",
				artifact.ErrDigestMismatch, version, name, f.Path, info.Digest, info.Size, f.Digest, f.Size)
		}
	}
	return &Archive{Version: v, Files: files, store: s.store}, nil
}

// Write writes the archive as tar to w: one entry per file, in path
// order, each with its SHA-256 in the PAX record PADDOCK.sha256. Each
// file's content is checked against the manifest while it is sent and its
// last byte is held back until it matched, so a file corrupted in the
// store never reaches the client whole: the stream ends with an error
// wrapping artifact.ErrDigestMismatch, one byte short of that entry.
func (a *Archive) Write(ctx context.Context, w io.Writer) error {
	tw := tar.NewWriter(w)
	mtime := time.UnixMilli(a.Version.CreationTime).UTC()
	for _, f := range a.Files {
		if err := a.writeEntry(ctx, tw, f, mtime); err != nil {
			return err
		}
	}
	return tw.Close()
}

func (a *Archive) writeEntry(ctx context.Context, tw *tar.Writer, f File, mtime time.Time) error {
	key := a.Version.prefix + "/" + f.Path
	rc, info, err := a.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	}
	defer rc.Close()
	if info.Digest != f.Digest || info.Size != f.Size {
		return fmt.Errorf("%w: %s changed since registration", artifact.ErrDigestMismatch, f.Path)
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: f.Path, Size: f.Size, Mode: 0o644, ModTime: mtime, Format: tar.FormatPAX,
		PAXRecords: map[string]string{"PADDOCK.sha256": f.Digest},
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if err := copyHoldingLast(tw, rc); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

// copyHoldingLast copies a verifying reader to dst but releases the last
// byte only once the reader reported a clean io.EOF (its digest matched).
func copyHoldingLast(dst io.Writer, src io.Reader) error {
	buf := make([]byte, 64<<10)
	var held []byte
	for {
		n, err := src.Read(buf)
		if err != nil && err != io.EOF {
			return err // what was held is never released
		}
		if n > 0 {
			if len(held) > 0 {
				if _, werr := dst.Write(held); werr != nil {
					return werr
				}
			}
			if _, werr := dst.Write(buf[:n-1]); werr != nil {
				return werr
			}
			held = append(held[:0], buf[n-1])
		}
		if err == io.EOF {
			_, werr := dst.Write(held)
			return werr
		}
	}
}
