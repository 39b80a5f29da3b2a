package server

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/registry/naming"
	"github.com/paddockml/paddock/ui"
)

// aliasConfirm is the first step of an alias move: it reads ?alias and
// ?version and asks "move production from v3 to v5?", saying whether
// the move will happen at once or open an approval request. It changes
// nothing.
func (d *dashboard) aliasConfirm(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	name, err := param(c, "name")
	if err != nil {
		return d.fail(c, err)
	}
	alias, version, err := aliasMoveArgs(c.Query("alias"), c.Query("version"))
	if err != nil {
		return d.fail(c, err)
	}
	reg := d.s.deps.Registry
	m, err := reg.GetModel(ctx, name)
	if err != nil {
		return d.fail(c, err)
	}
	target, err := reg.GetVersion(ctx, name, version)
	if err != nil {
		return d.fail(c, err)
	}
	if target.Status != registry.StatusReady {
		return d.fail(c, errs.E(errs.Invalid, "version %d of %s is %s: only READY versions can carry an alias", version, name, target.Status))
	}
	policy, err := reg.Policy(ctx, name)
	if err != nil {
		return d.fail(c, err)
	}
	v := ui.AliasConfirmView{Model: m.Name, ModelHref: modelHref(m.Name), Action: modelHref(m.Name) + "/aliases",
		Alias: alias, Version: version, From: "unset", CSRF: sessionOf(c).csrf,
		Guarded: policy.Guards(alias) && !principalOf(c).Allows(auth.Admin)}
	for _, a := range m.Aliases {
		if a.Alias == alias {
			v.From = "v" + strconv.FormatInt(a.Version, 10)
			v.Unchanged = a.Version == version
		}
	}
	return d.render(c, fiber.StatusOK, d.page(c, "Move "+alias+" · "+m.Name, "models"), ui.AliasConfirm(v))
}

// aliasMove is the confirmed move: the registry moves the alias, or
// files an approval request when a policy guards it and the caller is
// no admin. Either way the browser goes back to the model's page, which
// reports what happened.
func (d *dashboard) aliasMove(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return d.fail(c, err)
	}
	alias, version, err := aliasMoveArgs(c.FormValue("alias"), c.FormValue("version"))
	if err != nil {
		return d.fail(c, err)
	}
	why := registry.Justification{Reason: strings.TrimSpace(strings.Clone(c.FormValue("reason")))}
	res, err := d.s.deps.Registry.SetAlias(c.UserContext(), callerOf(c), name, alias, version, why)
	if err != nil {
		return d.fail(c, err)
	}
	back := modelHref(name) + "?" + url.Values{"moved": {alias}}.Encode()
	if res.Request != nil {
		back = modelHref(name) + "?request=" + strconv.FormatInt(res.Request.ID, 10)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// aliasMoveArgs checks the alias and the version of a move form.
func aliasMoveArgs(alias, version string) (string, int64, error) {
	alias = strings.TrimSpace(alias)
	if err := naming.ValidateAlias(alias); err != nil {
		return "", 0, errs.E(errs.Invalid, "%s", err.Error())
	}
	n, err := registry.ParseVersion(strings.TrimSpace(version))
	if err != nil {
		return "", 0, err
	}
	return strings.Clone(alias), n, nil
}
