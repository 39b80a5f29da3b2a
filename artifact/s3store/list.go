package s3store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

// List lists the object names below the prefix's directory (see
// artifact.ObjectName): the object under the prefix itself and all below
// it, and nothing else. The listing asks for user metadata, which MinIO
// returns; other servers do not, and then each object's digest costs a HEAD.
func (s *Store) List(ctx context.Context, prefix string) ([]artifact.Info, error) {
	infos, err := s.list(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	return infos, nil
}

func (s *Store) list(ctx context.Context, prefix string) ([]artifact.Info, error) {
	if s.closed.Load() {
		return nil, artifact.ErrClosed
	}
	from := s.objects
	if p := strings.TrimSuffix(prefix, "/"); prefix != "" {
		if err := artifact.ValidateKey(p); err != nil {
			return nil, err
		}
		from += artifact.EscapeKey(p) + "/"
	}
	if err := s.ensureBucket(ctx); err != nil {
		return nil, err
	}
	infos, err := s.listFrom(ctx, from)
	if err != nil {
		return nil, err
	}
	// S3 lists in byte order of object names, which differs from the order
	// of keys: "a/b/@data" sorts after "a/b-c/@data", "a/b" before "a/b-c".
	slices.SortFunc(infos, func(a, b artifact.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}

// listFrom returns every object whose name starts with from.
func (s *Store) listFrom(ctx context.Context, from string) ([]artifact.Info, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing goroutine if we return early
	infos := []artifact.Info{}
	opts := minio.ListObjectsOptions{Prefix: from, Recursive: true, WithMetadata: true}
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, opts) {
		if obj.Err != nil {
			return nil, s.classify(ctx, obj.Err)
		}
		key, ok := artifact.KeyOfObjectName(strings.TrimPrefix(obj.Key, s.objects))
		if !ok {
			continue // not written by Paddock
		}
		info, err := infoOf(key, obj)
		if err != nil {
			// No metadata in the listing: ask for it.
			if info, err = s.stat(ctx, key); errors.Is(err, artifact.ErrNotFound) {
				continue // deleted meanwhile
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		infos = append(infos, info)
	}
	return infos, nil
}
