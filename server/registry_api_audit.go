package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
)

// maxFeedWait bounds a long poll of the alias feed, below the default
// shutdown timeout so a waiting client never delays a shutdown for long.
const maxFeedWait = 10 * time.Second

func (s *Server) registerAuditAPI() {
	if s.deps.Audit != nil {
		s.route(fiber.MethodGet, "/api/audit", auth.Viewer, s.apiAudit)
	}
	s.route(fiber.MethodGet, "/api/registry/events", auth.Viewer, s.apiAliasEvents)
	s.route(fiber.MethodGet, "/api/registry/aliases", auth.Viewer, s.apiAliasSnapshot)
	s.route(fiber.MethodGet, "/api/lineage/runs/:run_id", auth.Viewer, s.apiLineageOfRun)
	s.route(fiber.MethodGet, "/api/lineage/datasets/:digest", auth.Viewer, s.apiLineageOfDataset)
}

// apiAudit lists audit events, newest first (?order=asc for oldest
// first), filtered by actor, action ("registry.alias.*" for a prefix),
// resource_kind, resource_id and a time range (since, until: RFC 3339 or
// Unix milliseconds).
func (s *Server) apiAudit(c *fiber.Ctx) error {
	q := audit.Query{
		Actor: c.Query("actor"), Action: c.Query("action"), ResourceKind: c.Query("resource_kind"),
		ResourceID: c.Query("resource_id"), Limit: c.QueryInt("limit"), PageToken: c.Query("page_token"),
		Ascending: c.Query("order") == "asc",
	}
	var err error
	if q.Since, err = queryTime(c, "since"); err != nil {
		return err
	}
	if q.Until, err = queryTime(c, "until"); err != nil {
		return err
	}
	page, err := s.deps.Audit.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func queryTime(c *fiber.Ctx, key string) (time.Time, error) {
	raw := c.Query(key)
	if raw == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "%s must be RFC 3339 or Unix milliseconds, got %q", key, raw)
	}
	return t, nil
}

// apiAliasEvents reads the alias change feed after ?after=<seq>. With
// ?wait=<duration> (at most 10s) it long-polls: when nothing is new it
// waits for the next move before answering.
func (s *Server) apiAliasEvents(c *fiber.Ctx) error {
	after, err := queryInt64(c, "after")
	if err != nil {
		return err
	}
	var wait time.Duration
	if raw := c.Query("wait"); raw != "" {
		if wait, err = time.ParseDuration(raw); err != nil || wait < 0 {
			return errs.E(errs.Invalid, "wait must be a duration such as 5s, got %q", raw)
		}
	}
	limit := c.QueryInt("limit")
	ctx := c.UserContext()
	events, err := s.deps.Registry.AliasEvents(ctx, after, limit)
	if err != nil {
		return err
	}
	if len(events) == 0 && wait > 0 {
		if events, err = s.waitForEvents(ctx, after, limit, min(wait, maxFeedWait)); err != nil {
			return err
		}
	}
	last := after
	if len(events) > 0 {
		last = events[len(events)-1].Seq
	}
	return c.JSON(fiber.Map{"events": events, "last_seq": last})
}

func (s *Server) waitForEvents(ctx context.Context, after int64, limit int, wait time.Duration) ([]registry.AliasEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, ok := <-s.deps.Registry.Subscribe(ctx, after); !ok {
		return []registry.AliasEvent{}, nil // timed out
	}
	return s.deps.Registry.AliasEvents(context.WithoutCancel(ctx), after, limit)
}

func (s *Server) apiAliasSnapshot(c *fiber.Ctx) error {
	snap, err := s.deps.Registry.Snapshot(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(snap)
}

func (s *Server) apiLineageOfRun(c *fiber.Ctx) error {
	id, err := param(c, "run_id")
	if err != nil {
		return err
	}
	refs, err := s.deps.Registry.VersionsFromRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"model_versions": refs})
}

func (s *Server) apiLineageOfDataset(c *fiber.Ctx) error {
	digest, err := param(c, "digest")
	if err != nil {
		return err
	}
	refs, err := s.deps.Registry.VersionsFromDataset(c.UserContext(), digest)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"model_versions": refs})
}
