package s3store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

const (
	// directPutMax is the largest content that Put reads into memory and
	// uploads in one request with its digest, skipping the temporary object
	// and the copy. Small artifacts (metrics, configs, logs) are the common
	// case; this makes them one request.
	directPutMax = 1 << 20
	// copyRate is the slowest server-side copy, in bytes per second, that
	// Put waits for before it gives up with ErrUnavailable.
	copyRate = 8 << 20
	// metaDigest is the user metadata entry holding the digest, sent as the
	// header x-amz-meta-paddock-sha256.
	metaDigest = "Paddock-Sha256"
	// contentType labels every object: artifacts are opaque bytes.
	contentType = "application/octet-stream"
)

// Put stores the content of r under key. Content up to directPutMax goes up
// in one request; larger content streams into a temporary object in parts
// of Config.PartSize, which is then copied onto the key with its digest (see
// the package documentation). A failed or canceled Put leaves the previous
// object in place.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (artifact.Info, error) {
	info, err := s.put(ctx, key, r)
	if err != nil {
		return artifact.Info{}, fmt.Errorf("put %q: %w", key, err)
	}
	return info, nil
}

func (s *Store) put(ctx context.Context, key string, r io.Reader) (artifact.Info, error) {
	name, err := s.objectName(key)
	if err != nil {
		return artifact.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return artifact.Info{}, err
	}
	if err := s.ensureBucket(ctx); err != nil {
		return artifact.Info{}, err
	}
	src := &hashingReader{ctx: ctx, r: r, hash: sha256.New()}
	head, err := io.ReadAll(io.LimitReader(src, directPutMax+1))
	if err != nil {
		return artifact.Info{}, err
	}
	var modified time.Time
	if len(head) <= directPutMax {
		modified, err = s.putDirect(ctx, name, head, src.digest())
	} else {
		modified, err = s.putStreamed(ctx, name, io.MultiReader(bytes.NewReader(head), src), src)
	}
	if err != nil {
		return artifact.Info{}, err
	}
	return artifact.Info{Key: key, Size: src.size, Digest: src.digest(), Modified: modified}, nil
}

// putDirect uploads content, whose digest is known, straight to name.
func (s *Store) putDirect(ctx context.Context, name string, content []byte, digest string) (time.Time, error) {
	var up minio.UploadInfo
	err := retryRace(ctx, func() (err error) {
		up, err = s.client.PutObject(ctx, s.cfg.Bucket, name, bytes.NewReader(content), int64(len(content)),
			minio.PutObjectOptions{ContentType: contentType, UserMetadata: map[string]string{metaDigest: digest}})
		return err
	})
	if err != nil {
		return time.Time{}, s.classify(ctx, err)
	}
	return modifiedOf(up), nil
}

// putStreamed uploads content to a temporary object, then copies that onto
// name with the digest that src computed on the way.
func (s *Store) putStreamed(ctx context.Context, name string, content io.Reader, src *hashingReader) (time.Time, error) {
	tmp := s.temps + rand.Text()
	_, err := s.client.PutObject(ctx, s.cfg.Bucket, tmp, content, -1,
		minio.PutObjectOptions{ContentType: contentType, PartSize: uint64(s.cfg.PartSize)})
	defer s.removeTemp(ctx, tmp, err != nil)
	if err != nil {
		if src.err != nil {
			return time.Time{}, src.err // the caller's reader failed, or ctx ended
		}
		return time.Time{}, s.classify(ctx, err)
	}
	return s.copyInto(ctx, tmp, name, src.size, src.digest())
}

// copyInto copies the temporary object tmp of size bytes onto name,
// replacing its metadata with the digest.
func (s *Store) copyInto(ctx context.Context, tmp, name string, size int64, digest string) (time.Time, error) {
	tctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout+time.Duration(size/copyRate)*time.Second)
	defer cancel()
	modified, err := s.copyWithin(tctx, tmp, name, size, digest)
	return modified, timedOut(ctx, err)
}

func (s *Store) copyWithin(ctx context.Context, tmp, name string, size int64, digest string) (time.Time, error) {
	dst := minio.CopyDestOptions{
		Bucket:          s.cfg.Bucket,
		Object:          name,
		ReplaceMetadata: true,
		UserMetadata:    map[string]string{metaDigest: digest},
		PartSize:        s.copyPartSize,
	}
	src := minio.CopySrcOptions{Bucket: s.cfg.Bucket, Object: tmp}
	var up minio.UploadInfo
	err := retryRace(ctx, func() (err error) {
		if size <= s.copyLimit {
			up, err = s.copier.CopyObject(ctx, dst, src)
		} else {
			// Copied in parts. ComposeObject first stats the source without
			// our context; only a server hanging right then could stall it.
			up, err = s.copier.ComposeObject(ctx, dst, src)
		}
		return err
	})
	if err != nil {
		return time.Time{}, s.classify(ctx, err)
	}
	return modifiedOf(up), nil
}

// raceAttempts is how often retryRace tries a write.
const raceAttempts = 4

// retryRace runs write, which must be repeatable, again while MinIO answers
// AccessDenied. MinIO's storage layer also gives that answer when a Delete
// removes a directory, left empty, that the write is renaming into
// (minio/minio#12914, #15157); a real denial just fails a few times.
func retryRace(ctx context.Context, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || attempt == raceAttempts || minio.ToErrorResponse(err).Code != "AccessDenied" {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}

// removeTemp deletes the temporary object tmp and, after a failed upload,
// its unfinished multipart upload. It runs even when ctx is canceled, for a
// bounded time; what it cannot remove, sweepTemps removes later.
func (s *Store) removeTemp(ctx context.Context, tmp string, failed bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
	defer cancel()
	s.client.RemoveObject(ctx, s.cfg.Bucket, tmp, minio.RemoveObjectOptions{})
	if failed {
		s.client.RemoveIncompleteUpload(ctx, s.cfg.Bucket, tmp)
	}
}

// modifiedOf returns the write time the server reported, or now if it
// reported none.
func modifiedOf(up minio.UploadInfo) time.Time {
	if up.LastModified.IsZero() {
		return time.Now().UTC()
	}
	return up.LastModified.UTC()
}

// hashingReader hashes and counts what it reads, stops once ctx is done,
// and remembers the error it returned, so Put can tell the caller's failure
// from the server's.
type hashingReader struct {
	ctx  context.Context
	r    io.Reader
	hash hash.Hash
	size int64
	err  error
}

func (h *hashingReader) Read(p []byte) (int, error) {
	if err := h.ctx.Err(); err != nil {
		h.err = err
		return 0, err
	}
	n, err := h.r.Read(p)
	h.hash.Write(p[:n])
	h.size += int64(n)
	if err != nil && err != io.EOF {
		h.err = err
	}
	return n, err
}

// digest returns the digest of everything read so far.
func (h *hashingReader) digest() string {
	return artifact.FormatDigest(h.hash.Sum(nil))
}
