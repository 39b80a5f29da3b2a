package s3store

import (
	"bytes"
	"context"
	"time"

	"github.com/minio/minio-go/v7"
)

// staleTempAge is how old a temporary object or unfinished upload must be
// before it counts as left behind by a Put that died. Live Puts finish
// their upload well within it.
const staleTempAge = 24 * time.Hour

// keepName is the object that keeps the temporary directory non-empty
// (see ensureBucket). Temporary objects get base32 names, never this one.
const keepName = "@keep"

// ensureBucket creates the bucket unless an earlier call found it ready.
// Failures are not remembered: the next call tries again, which is how the
// store recovers once the server is back.
func (s *Store) ensureBucket(ctx context.Context) error {
	if s.bucketReady.Load() {
		return nil
	}
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	if s.bucketReady.Load() {
		return nil
	}
	exists, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return s.classify(ctx, err)
	}
	if !exists {
		err := s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region})
		// Another Paddock (or another Store) may have won the race.
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" {
			return s.classify(ctx, err)
		}
	}
	// MinIO removes a directory that a Delete leaves empty, and a write
	// that is renaming into that directory at the same moment fails. One
	// object that stays keeps tmp/ from ever being empty while Puts create
	// and delete their temporary objects in it.
	_, err = s.client.PutObject(ctx, s.cfg.Bucket, s.temps+keepName, bytes.NewReader(nil), 0, minio.PutObjectOptions{})
	if err != nil {
		return s.classify(ctx, err)
	}
	s.sweepTemps(ctx, time.Now().Add(-staleTempAge))
	s.bucketReady.Store(true)
	return nil
}

// sweepTemps removes temporary objects older than cutoff: what Puts
// interrupted by a crash leave behind. It is best effort; what it misses, a
// later start removes. Unfinished multipart uploads of such Puts are not
// listed here (MinIO lists uploads only by exact object name): MinIO drops
// them after a day by itself, and on AWS a lifecycle rule
// (AbortIncompleteMultipartUpload) should.
func (s *Store) sweepTemps(ctx context.Context, cutoff time.Time) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing if we return early
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.temps, Recursive: true}) {
		if obj.Err != nil {
			return
		}
		if obj.Key != s.temps+keepName && obj.LastModified.Before(cutoff) {
			s.client.RemoveObject(ctx, s.cfg.Bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
}
