package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
)

func (s *Server) registerVersionAPI() {
	const v = "/api/models/:name/versions/:version"
	s.route(fiber.MethodGet, "/api/models/:name/versions", auth.Viewer, s.apiListVersions)
	s.route(fiber.MethodPost, "/api/models/:name/versions", auth.Editor, s.apiCreateVersion)
	s.route(fiber.MethodGet, v, auth.Viewer, s.apiGetVersion)
	s.route(fiber.MethodPatch, v, auth.Editor, s.apiUpdateVersion)
	s.route(fiber.MethodDelete, v, auth.Editor, s.apiDeleteVersion)
	s.route(fiber.MethodPut, v+"/tags/:key", auth.Editor, s.apiSetVersionTag)
	s.route(fiber.MethodDelete, v+"/tags/:key", auth.Editor, s.apiDeleteVersionTag)
	s.route(fiber.MethodPost, v+"/stage", auth.Editor, s.apiTransitionStage)
	s.route(fiber.MethodGet, v+"/files", auth.Viewer, s.apiVersionFiles)
	s.route(fiber.MethodGet, v+"/download", auth.Viewer, s.apiDownloadVersion)
	s.route(fiber.MethodGet, v+"/lineage", auth.Viewer, s.apiVersionLineage)
}

// apiListVersions lists a model's versions, newest first; ?filter adds
// conditions as in the MLflow search.
func (s *Server) apiListVersions(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	if _, err := s.deps.Registry.GetModel(c.UserContext(), name); err != nil {
		return err
	}
	filter := "name = '" + quoteFilter(name) + "'"
	if f := c.Query("filter"); f != "" {
		filter += " AND " + f
	}
	order := queryList(c, "order_by")
	if len(order) == 0 {
		order = []string{"version_number DESC"}
	}
	page, err := s.deps.Registry.SearchVersions(c.UserContext(), registry.Search{
		Filter: filter, OrderBy: order, MaxResults: c.QueryInt("max_results"), PageToken: c.Query("page_token"),
	})
	if err != nil {
		return err
	}
	list := make([]apiModelVersion, len(page.Versions))
	for i, v := range page.Versions {
		list[i] = toAPIVersion(v)
	}
	return c.JSON(fiber.Map{"model_versions": list, "next_page_token": page.NextPageToken})
}

// quoteFilter escapes a value for a single-quoted filter string.
func quoteFilter(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func (s *Server) apiCreateVersion(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	var req struct {
		Source        string          `json:"source"`
		RunID         string          `json:"run_id"`
		RunLink       string          `json:"run_link"`
		Description   string          `json:"description"`
		Tags          []wireKV        `json:"tags"`
		Semver        string          `json:"semver"`
		Flavor        string          `json:"flavor"`
		Signature     json.RawMessage `json:"signature"`
		ParentVersion *int64          `json:"parent_version"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Registry.CreateVersion(c.UserContext(), callerOf(c), registry.CreateVersionRequest{
		Model: name, Source: req.Source, RunID: req.RunID, RunLink: req.RunLink, Description: req.Description,
		Tags: fromWireTags(req.Tags), Semver: req.Semver, Flavor: req.Flavor, Signature: req.Signature, ParentVersion: req.ParentVersion,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toAPIVersion(v))
}

func (s *Server) apiGetVersion(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.GetVersion(c.UserContext(), name, n)
	if err != nil {
		return err
	}
	return c.JSON(toAPIVersion(v))
}

func (s *Server) apiUpdateVersion(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	var req struct {
		Description *string `json:"description"`
		Semver      *string `json:"semver"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Registry.UpdateVersion(c.UserContext(), callerOf(c), name, n, registry.VersionUpdate{Description: req.Description, Semver: req.Semver})
	if err != nil {
		return err
	}
	return c.JSON(toAPIVersion(v))
}

func (s *Server) apiDeleteVersion(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteVersion(c.UserContext(), callerOf(c), name, n); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiSetVersionTag(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	key, err := param(c, "key")
	if err != nil {
		return err
	}
	value, err := tagValue(c)
	if err != nil {
		return err
	}
	if err := s.deps.Registry.SetVersionTag(c.UserContext(), callerOf(c), name, n, registry.Tag{Key: key, Value: value}); err != nil {
		return err
	}
	return s.apiGetVersion(c)
}

func (s *Server) apiDeleteVersionTag(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	key, err := param(c, "key")
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteVersionTag(c.UserContext(), callerOf(c), name, n, key); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiTransitionStage is MLflow's legacy stage transition; 202 with the
// approval request when the alias it moves is guarded.
func (s *Server) apiTransitionStage(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	var req struct {
		Stage                   string `json:"stage"`
		ArchiveExistingVersions bool   `json:"archive_existing_versions"`
		justification
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v, pending, err := s.deps.Registry.TransitionStage(c.UserContext(), callerOf(c), name, n, req.Stage, req.ArchiveExistingVersions, req.domain())
	if err != nil {
		return err
	}
	if pending != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"approval_request": pending})
	}
	return c.JSON(toAPIVersion(v))
}

func (s *Server) apiVersionFiles(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	files, err := s.deps.Registry.Files(c.UserContext(), name, n)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"files": files})
}

// apiDownloadVersion streams a version's files as a tar archive. Every
// file's digest is checked against the registration manifest before the
// first byte (a replaced file is a 500 data_corruption) and its content
// while it streams (a damaged file cuts the stream short, so the client's
// tar reader fails instead of unpacking it).
func (s *Server) apiDownloadVersion(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := s.deps.Registry.OpenArchive(ctx, name, n)
	if err != nil {
		return err
	}
	requestID := requestIDOf(c)
	pr, pw := io.Pipe()
	go func() {
		err := a.Write(ctx, pw)
		switch {
		case errors.Is(err, io.ErrClosedPipe): // fasthttp closed pr: the client went away
			s.log.Info("model download abandoned by the client", "model", name, "version", n, "request_id", requestID)
		case err != nil:
			s.log.Error("model download failed while streaming", "model", name, "version", n, "request_id", requestID, "err", err)
		}
		pw.CloseWithError(err)
	}()
	file := fmt.Sprintf("%s-%d.tar", name, n)
	c.Set(fiber.HeaderContentType, "application/x-tar")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename*=UTF-8''`+url.PathEscape(file))
	c.Set("X-Paddock-Digest", a.Version.ArtifactDigest)
	c.Set("X-Paddock-Files", strconv.Itoa(len(a.Files)))
	c.Context().SetBodyStream(pr, -1)
	return nil
}

func (s *Server) apiVersionLineage(c *fiber.Ctx) error {
	name, n, err := versionParam(c)
	if err != nil {
		return err
	}
	l, err := s.deps.Registry.Lineage(c.UserContext(), name, n)
	if err != nil {
		return err
	}
	return c.JSON(l)
}
