package s3store

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// Delete removes the object under key. S3 deletes missing objects without
// complaint, so Delete checks first that the object exists; a concurrent
// Delete of the same key may therefore both succeed.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.delete(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	return nil
}

func (s *Store) delete(ctx context.Context, key string) error {
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	if err := s.ensureBucket(ctx); err != nil {
		return err
	}
	if _, err := s.client.StatObject(ctx, s.cfg.Bucket, name, minio.StatObjectOptions{}); err != nil {
		return s.classify(ctx, err)
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s.classify(ctx, err)
	}
	return nil
}
