package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

// Get streams the object under key from a single GET, so its content and
// the digest it is checked against come from one response.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, artifact.Info, error) {
	rc, info, err := s.get(ctx, key)
	if err != nil {
		return nil, artifact.Info{}, fmt.Errorf("get %q: %w", key, err)
	}
	return rc, info, nil
}

func (s *Store) get(ctx context.Context, key string) (io.ReadCloser, artifact.Info, error) {
	name, err := s.objectName(key)
	if err != nil {
		return nil, artifact.Info{}, err
	}
	if err := s.ensureBucket(ctx); err != nil {
		return nil, artifact.Info{}, err
	}
	core := minio.Core{Client: s.client}
	body, obj, _, err := core.GetObject(ctx, s.cfg.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, artifact.Info{}, s.classify(ctx, err)
	}
	info, err := infoOf(key, obj)
	if err != nil {
		body.Close()
		return nil, artifact.Info{}, err
	}
	rc, err := artifact.VerifyReader(&bodyReader{s: s, ctx: ctx, body: body}, info)
	if err != nil {
		body.Close()
		return nil, artifact.Info{}, err
	}
	return rc, info, nil
}

// Stat returns the Info of the object under key from a HEAD request.
func (s *Store) Stat(ctx context.Context, key string) (artifact.Info, error) {
	info, err := s.stat(ctx, key)
	if err != nil {
		return artifact.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	return info, nil
}

func (s *Store) stat(ctx context.Context, key string) (artifact.Info, error) {
	name, err := s.objectName(key)
	if err != nil {
		return artifact.Info{}, err
	}
	if err := s.ensureBucket(ctx); err != nil {
		return artifact.Info{}, err
	}
	obj, err := s.client.StatObject(ctx, s.cfg.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return artifact.Info{}, s.classify(ctx, err)
	}
	return infoOf(key, obj)
}

// infoOf returns the Info of key from the object's attributes. An object
// without a well-formed digest was not written by Paddock (or was changed
// since), so it cannot be trusted: ErrDigestMismatch.
func infoOf(key string, obj minio.ObjectInfo) (artifact.Info, error) {
	digest := obj.UserMetadata[metaDigest]
	if digest == "" {
		digest = obj.UserMetadataStripped[metaDigest] // listings with metadata
	}
	if _, err := artifact.ParseDigest(digest); err != nil {
		return artifact.Info{}, fmt.Errorf("%w: object has no valid recorded digest (%v)", artifact.ErrDigestMismatch, err)
	}
	return artifact.Info{Key: key, Size: obj.Size, Digest: digest, Modified: obj.LastModified.UTC()}, nil
}

// bodyReader reads a GET response body, reporting a connection that breaks
// mid-stream as ErrUnavailable.
type bodyReader struct {
	s    *Store
	ctx  context.Context
	body io.ReadCloser
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.s.classify(b.ctx, err)
	}
	return n, err
}

func (b *bodyReader) Close() error {
	return b.body.Close()
}
