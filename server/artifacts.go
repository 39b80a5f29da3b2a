package server

import (
	"bufio"
	"errors"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
)

// artifactJSON is the API shape of an artifact.Info.
type artifactJSON struct {
	Key      string    `json:"key"`
	Size     int64     `json:"size"`
	Digest   string    `json:"digest"`
	Modified time.Time `json:"modified"`
}

func toArtifactJSON(i artifact.Info) artifactJSON {
	return artifactJSON{Key: i.Key, Size: i.Size, Digest: i.Digest, Modified: i.Modified.UTC()}
}

// artifactKey returns the key of an /api/artifacts/<key> request. Keys are
// percent-decoded here (the router does not), then validated by the store's
// rules, so an encoded "%2e%2e" is refused like a literal "..".
func artifactKey(c *fiber.Ctx) (string, error) {
	raw := c.Params("*")
	key, err := url.PathUnescape(raw)
	if err != nil {
		return "", errs.E(errs.Invalid, "artifact key %q is not valid percent-encoding", raw)
	}
	if err := artifact.ValidateKey(key); err != nil {
		return "", errs.Wrap(errs.Invalid, err, "invalid artifact key %q", key)
	}
	return key, nil // PathUnescape allocated: safe to keep after the handler
}

func (s *Server) listArtifacts(c *fiber.Ctx) error {
	list, err := s.deps.Artifacts.List(c.UserContext(), c.Query("prefix"))
	if err != nil {
		return err
	}
	out := make([]artifactJSON, len(list))
	for i, info := range list {
		out[i] = toArtifactJSON(info)
	}
	return c.JSON(fiber.Map{"artifacts": out})
}

func (s *Server) statArtifact(c *fiber.Ctx) error {
	key, err := artifactKey(c)
	if err != nil {
		return err
	}
	info, err := s.deps.Artifacts.Stat(c.UserContext(), key)
	if err != nil {
		return err
	}
	setArtifactHeaders(c, info)
	return nil
}

// getArtifact streams an artifact. The body is verified against its
// digest while it is sent; the last byte is held back until the digest
// matched, so a corrupted artifact never reaches a client complete: the
// connection is cut short instead.
func (s *Server) getArtifact(c *fiber.Ctx) error {
	key, err := artifactKey(c)
	if err != nil {
		return err
	}
	return s.streamArtifact(c, key)
}

func (s *Server) streamArtifact(c *fiber.Ctx, key string) error {
	rc, info, err := s.deps.Artifacts.Get(c.UserContext(), key)
	if err != nil {
		return err
	}
	setArtifactHeaders(c, info)
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Context().SetBodyStream(&holdbackReader{src: bufio.NewReaderSize(rc, 64<<10), closer: rc, log: func(err error) {
		s.log.Error("artifact failed verification while streaming", "key", key, "request_id", requestIDOf(c), "err", err)
	}}, int(info.Size))
	return nil
}

func setArtifactHeaders(c *fiber.Ctx, info artifact.Info) {
	c.Set("X-Paddock-Digest", info.Digest)
	c.Set(fiber.HeaderETag, strconv.Quote(info.Digest))
	c.Set(fiber.HeaderContentLength, strconv.FormatInt(info.Size, 10))
	c.Set(fiber.HeaderLastModified, info.Modified.UTC().Format(time.RFC1123))
}

// putArtifact stores the request body under the key, streamed, up to the
// configured upload limit.
func (s *Server) putArtifact(c *fiber.Ctx) error {
	key, err := artifactKey(c)
	if err != nil {
		return err
	}
	info, err := s.storeUpload(c, key)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toArtifactJSON(info))
}

// storeUpload streams the request body into the store under key.
func (s *Server) storeUpload(c *fiber.Ctx, key string) (artifact.Info, error) {
	limit := int64(s.deps.Config.Server.UploadLimit)
	if n := int64(c.Request().Header.ContentLength()); n > limit {
		return artifact.Info{}, errs.E(errs.TooLarge, "upload of %d bytes exceeds the limit of %d bytes", n, limit)
	}
	var body io.Reader
	if stream := c.Context().RequestBodyStream(); stream != nil {
		body = stream
	} else {
		body = bytesReader(c.Body())
	}
	lr := &limitedReader{r: body, left: limit}
	info, err := s.deps.Artifacts.Put(c.UserContext(), key, lr)
	if lr.exceeded {
		return artifact.Info{}, errs.E(errs.TooLarge, "upload exceeds the limit of %d bytes", limit)
	}
	return info, err
}

func (s *Server) deleteArtifact(c *fiber.Ctx) error {
	key, err := artifactKey(c)
	if err != nil {
		return err
	}
	if err := s.deps.Artifacts.Delete(c.UserContext(), key); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// errUploadTooLarge aborts a store Put when the body passes the limit.
var errUploadTooLarge = errors.New("upload too large")

// limitedReader fails, instead of silently truncating, past its limit so
// that an oversized upload is never stored cut short.
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		l.exceeded = true
		return 0, errUploadTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return 0, errUploadTooLarge
	}
	return n, err
}
