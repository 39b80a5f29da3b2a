package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/paddockml/paddock/artifact"
)

// classify turns an error from minio-go into Paddock's vocabulary. minio-go
// types never leave this package: errors it does not recognise keep their
// text but not their type.
func (s *Store) classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case minio.NoSuchKey:
		return artifact.ErrNotFound
	case minio.NoSuchBucket:
		// Deleted behind our back: make it again on the next call.
		s.bucketReady.Store(false)
		return fmt.Errorf("%w: bucket %q does not exist", artifact.ErrUnavailable, s.cfg.Bucket)
	case "XMinioServerNotInitialized", "ServiceUnavailable", "SlowDown", "XMinioServerBusy":
		return fmt.Errorf("%w: %s", artifact.ErrUnavailable, resp.Message)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return fmt.Errorf("%w: %v", artifact.ErrUnavailable, err)
	}
	if isNetworkError(err) {
		return fmt.Errorf("%w: %v", artifact.ErrUnavailable, err)
	}
	return errors.New(err.Error())
}

// timedOut reports err as ErrUnavailable when it is the expiry of a
// deadline that Store set itself below ctx, the caller's context.
func timedOut(ctx context.Context, err error) error {
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: no answer in time: %v", artifact.ErrUnavailable, err)
	}
	return err
}

// isNetworkError reports whether err means the server could not be reached
// or the connection broke: refused, reset, timed out, cut short.
func isNetworkError(err error) bool {
	return minio.IsNetworkOrHostDown(err, false) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
