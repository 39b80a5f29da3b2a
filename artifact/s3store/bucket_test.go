package s3store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

// TestBucketDeletedBehindOurBack: the store notices and makes it again.
func TestBucketDeletedBehindOurBack(t *testing.T) {
	s := openStore(t, testConfig(t))
	ctx := context.Background()
	if _, err := s.Put(ctx, "k", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.client.RemoveBucketWithOptions(ctx, s.cfg.Bucket, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "k"); !errors.Is(err, artifact.ErrUnavailable) {
		t.Errorf("Stat right after the bucket vanished: %v, want ErrUnavailable", err)
	}
	if _, err := s.Stat(ctx, "k"); !errors.Is(err, artifact.ErrNotFound) {
		t.Errorf("Stat once the bucket is made again: %v, want ErrNotFound", err)
	}
	if _, err := s.Put(ctx, "k", strings.NewReader("y")); err != nil {
		t.Errorf("Put into the new bucket: %v", err)
	}
}
