// Package s3store is the artifact.Store that keeps objects in an S3 bucket,
// typically on MinIO.
//
// Layout inside the bucket, below Config.Prefix:
//
//	objects/<key>/@data   the objects, named by artifact.ObjectName; the user
//	                      metadata x-amz-meta-paddock-sha256 holds the digest
//	tmp/<random>          streamed Puts in progress
//	tmp/@keep             an empty object that keeps tmp/ from ever being empty
//
// Naming every object "<key>/@data" lets "a/b" and "a/b/c" both exist and be
// listed on MinIO, which cannot list the objects below a name that is itself
// an object, and it makes the bucket look like the tree localfs keeps.
//
// S3 wants an object's metadata when the upload starts, but a streamed Put
// knows the digest only at its end. So a Put larger than directPutMax
// uploads to a temporary object, then copies it server-side onto the final
// name with the digest as metadata, then deletes the temporary object. We
// chose this over uploading to the final name and copying it onto itself:
// that way the final name never holds content without its digest, an
// overwrite swaps old for new in one step (S3 replaces an object
// atomically), and a crash leaves only a temporary object, which the next
// start sweeps away, never an object that cannot be verified. The price is
// one server-side copy of the content, which does not pass through Paddock.
// Puts up to directPutMax are read into memory first and uploaded in one
// request with their digest, with no copy.
//
// The bucket is created on first use, not at Open: a MinIO that is down when
// Paddock starts makes calls return artifact.ErrUnavailable until it is back,
// and the same Store then works without a restart.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/paddockml/paddock/artifact"
)

// Config says where the bucket is and how to reach it.
type Config struct {
	// Endpoint is the server's host:port, without scheme, such as
	// "127.0.0.1:9000". Required.
	Endpoint string
	// Bucket holds the objects. It is created on first use if missing.
	// Required.
	Bucket string
	// AccessKey and SecretKey are the credentials; both empty means
	// anonymous access.
	AccessKey string
	// SecretKey goes with AccessKey.
	SecretKey string
	// Region is the bucket's region. Default "us-east-1", MinIO's default;
	// setting it spares a location lookup.
	Region string
	// UseSSL selects https. Default false: plain http.
	UseSSL bool
	// Prefix is put before every object name, so that several stores can
	// share a bucket, such as "paddock" or "teams/ml". Default "": the
	// bucket's root. It must be a valid artifact key; a trailing "/" is
	// ignored.
	Prefix string
	// PartSize is the multipart upload part size, in bytes. Each Put holds
	// one part in memory, so PartSize bounds the memory of each concurrent
	// upload; an object may have up to 10,000 parts (156 GiB at the
	// default). Default 16 MiB; at least 5 MiB.
	PartSize int64
	// Timeout bounds connecting to the server and waiting for the start of
	// each response; Ping waits at most Timeout in all. Default 10s. A
	// request is tried up to 3 times, so a server that accepts connections
	// but never answers is reported after about 3×Timeout. Transfers are
	// not limited, but a server-side copy must finish within Timeout plus
	// one second per 8 MiB.
	Timeout time.Duration
}

const (
	defaultRegion   = "us-east-1"
	defaultPartSize = 16 << 20
	minPartSize     = 5 << 20
	defaultTimeout  = 10 * time.Second
	// maxAttempts is how often minio-go tries one request. Few, with its
	// short backoff, so that a dead server is reported within a second or
	// two instead of after ten tries.
	maxAttempts = 3
	// maxObjectName is the longest object name S3 accepts, in bytes.
	maxObjectName = 1024
)

// withDefaults returns c with defaults filled in, or an error naming what
// is wrong with it.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Endpoint == "":
		return c, errors.New("endpoint is required")
	case strings.Contains(c.Endpoint, "://"):
		return c, fmt.Errorf("endpoint %q must be host:port without a scheme (set UseSSL for https)", c.Endpoint)
	case c.PartSize != 0 && c.PartSize < minPartSize:
		return c, fmt.Errorf("part size %d is below the S3 minimum of %d bytes", c.PartSize, minPartSize)
	case c.Timeout < 0:
		return c, fmt.Errorf("timeout %v is negative", c.Timeout)
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return c, fmt.Errorf("bucket %q: %v", c.Bucket, err)
	}
	c.Prefix = strings.TrimSuffix(c.Prefix, "/")
	if c.Prefix != "" {
		if err := artifact.ValidateKey(c.Prefix); err != nil {
			return c, fmt.Errorf("prefix %q: %w", c.Prefix, err)
		}
	}
	if c.Region == "" {
		c.Region = defaultRegion
	}
	if c.PartSize == 0 {
		c.PartSize = defaultPartSize
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	return c, nil
}

// Store is an artifact.Store in an S3 bucket. It is safe for concurrent
// use. Use Open to create one.
type Store struct {
	cfg     Config
	objects string // object name prefix of the objects: Prefix + "/objects/"
	temps   string // object name prefix of temporary objects
	client  *minio.Client
	// copier runs server-side copies. Its transport has no response header
	// timeout, because S3 answers a copy only once it is done.
	copier     *minio.Client
	transports []*http.Transport

	bucketMu    sync.Mutex
	bucketReady atomic.Bool
	closed      atomic.Bool

	// copyLimit is the largest object copied in one request (S3 allows
	// 5 GiB); larger ones are copied in parts of copyPartSize. Tests lower
	// both to reach the multipart path.
	copyLimit    int64
	copyPartSize uint64
}

var _ artifact.Store = (*Store)(nil)

// Open returns a Store for cfg. It does not contact the server.
func Open(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open s3 artifact store: %w", err)
	}
	base := ""
	if cfg.Prefix != "" {
		base = cfg.Prefix + "/"
	}
	s := &Store{cfg: cfg, objects: base + "objects/", temps: base + "tmp/", copyLimit: 5 << 30}
	if s.client, err = s.newClient(cfg.Timeout); err != nil {
		return nil, fmt.Errorf("open s3 artifact store: %w", err)
	}
	if s.copier, err = s.newClient(0); err != nil {
		return nil, fmt.Errorf("open s3 artifact store: %w", err)
	}
	return s, nil
}

// newClient returns a minio client whose transport waits at most
// headerTimeout for response headers (0: no limit).
func (s *Store) newClient(headerTimeout time.Duration) (*minio.Client, error) {
	dialer := &net.Dialer{Timeout: s.cfg.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   s.cfg.Timeout,
		ResponseHeaderTimeout: headerTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
	s.transports = append(s.transports, tr)
	return minio.New(s.cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(s.cfg.AccessKey, s.cfg.SecretKey, ""),
		Secure:     s.cfg.UseSSL,
		Transport:  tr,
		Region:     s.cfg.Region,
		MaxRetries: maxAttempts,
	})
}

// Ping checks that the server answers and the bucket exists, creating it if
// needed. It waits at most Config.Timeout.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("ping: %w", artifact.ErrClosed)
	}
	tctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := timedOut(ctx, s.ping(tctx)); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

func (s *Store) ping(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return s.classify(ctx, err)
	}
	if !exists {
		s.bucketReady.Store(false)
	}
	return s.ensureBucket(ctx)
}

// Close drops idle connections. Calls after Close return ErrClosed;
// readers returned by Get keep their connection and stay usable.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	for _, tr := range s.transports {
		tr.CloseIdleConnections()
	}
	return nil
}

// objectName returns the object name of key, refusing calls on a closed
// store and keys that are invalid, or too long once escaped and prefixed.
func (s *Store) objectName(key string) (string, error) {
	if s.closed.Load() {
		return "", artifact.ErrClosed
	}
	if err := artifact.ValidateKey(key); err != nil {
		return "", err
	}
	name := s.objects + artifact.ObjectName(key)
	if len(name) > maxObjectName {
		return "", fmt.Errorf("%w: longer than %d bytes with the object name prefix %q",
			artifact.ErrInvalidKey, maxObjectName, s.objects)
	}
	return name, nil
}
