package server

import (
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// Proxied artifacts: MLflow clients resolve mlflow-artifacts:/<path> to
// /api/2.0/mlflow-artifacts/artifacts/<path> on the tracking server and
// stream files through it. Paddock keeps them in its artifact store under
// artifact.ProxiedRoot.

func (s *Server) registerMLflowArtifacts() {
	for _, p := range []string{"/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts"} {
		s.route(fiber.MethodGet, p, auth.Viewer, s.mlListProxiedArtifacts)
		s.route(fiber.MethodGet, p+"/*", auth.Viewer, s.mlDownloadArtifact)
		s.upload(fiber.MethodPut, p+"/*", auth.Editor, s.mlUploadArtifact)
		s.route(fiber.MethodDelete, p+"/*", auth.Editor, s.mlDeleteArtifact)
	}
	s.mlflowRoute(fiber.MethodGet, "/artifacts/list", auth.Viewer, s.mlListRunArtifacts)
}

// proxiedKey maps an mlflow-artifacts path to a store key, refusing
// traversal the same way artifact keys are refused.
func proxiedKey(raw string) (string, error) {
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", errs.E(errs.Invalid, "Invalid artifact path: '%s'", raw)
	}
	p = strings.Trim(p, "/")
	key := artifact.ProxiedKey(p)
	if err := artifact.ValidateKey(key); err != nil {
		return "", errs.Wrap(errs.Invalid, err, "Invalid artifact path: '%s'", p)
	}
	return key, nil
}

func (s *Server) mlDownloadArtifact(c *fiber.Ctx) error {
	key, err := proxiedKey(c.Params("*"))
	if err != nil {
		return err
	}
	return s.streamArtifact(c, key)
}

func (s *Server) mlUploadArtifact(c *fiber.Ctx) error {
	key, err := proxiedKey(c.Params("*"))
	if err != nil {
		return err
	}
	if _, err := s.storeUpload(c, key); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlDeleteArtifact(c *fiber.Ctx) error {
	key, err := proxiedKey(c.Params("*"))
	if err != nil {
		return err
	}
	// MLflow deletes a path and everything below it.
	infos, err := s.deps.Artifacts.List(c.UserContext(), key)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if err := s.deps.Artifacts.Delete(c.UserContext(), in.Key); err != nil {
			return err
		}
	}
	return emptyJSON(c)
}

type wireFileInfo struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize *int64 `json:"file_size,omitempty"`
}

// children lists the immediate children of dirKey as MLflow's file infos,
// with paths relative to base ("" for names only).
func (s *Server) children(c *fiber.Ctx, dirKey, base string) ([]wireFileInfo, error) {
	infos, err := s.deps.Artifacts.List(c.UserContext(), dirKey)
	if err != nil {
		return nil, err
	}
	var out []wireFileInfo
	seen := map[string]bool{}
	for _, in := range infos {
		rest := strings.TrimPrefix(strings.TrimPrefix(in.Key, dirKey), "/")
		if rest == "" {
			continue // dirKey is itself a file
		}
		name, _, nested := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		fi := wireFileInfo{Path: path.Join(base, name), IsDir: nested}
		if !nested {
			size := in.Size
			fi.FileSize = &size
		}
		out = append(out, fi)
	}
	return out, nil
}

func (s *Server) mlListProxiedArtifacts(c *fiber.Ctx) error {
	key, err := proxiedKey(c.Query("path"))
	if err != nil {
		return err
	}
	files, err := s.children(c, key, "")
	if err != nil {
		return err
	}
	return c.JSON(struct {
		Files []wireFileInfo `json:"files,omitempty"`
	}{files})
}

// mlListRunArtifacts answers artifacts/list for runs whose artifacts live
// in Paddock's store (artifact_uri mlflow-artifacts:/...).
func (s *Server) mlListRunArtifacts(c *fiber.Ctx) error {
	var req struct {
		runIDRequest
		Path string `json:"path"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	run, err := s.deps.Tracking.GetRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	root := run.Info.ArtifactURI
	out := struct {
		RootURI string         `json:"root_uri"`
		Files   []wireFileInfo `json:"files,omitempty"`
	}{RootURI: root}
	rel, ok := strings.CutPrefix(root, experiments.ArtifactScheme)
	if !ok {
		return c.JSON(out) // stored elsewhere: the client lists it itself
	}
	sub := strings.Trim(req.Path, "/")
	key, err := proxiedKey(path.Join(rel, sub))
	if err != nil {
		return err
	}
	if out.Files, err = s.children(c, key, sub); err != nil {
		return err
	}
	return c.JSON(out)
}
