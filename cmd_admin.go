package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/paddockml/paddock/auth"
)

// cmdMigrate applies pending migrations and lists what is applied.
func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cf := newFlagSet("migrate", stderr, getenv, false)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(cf, getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg) // openDB migrates
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at migration %d:\n", cfg.Database.Path, len(applied))
	for _, m := range applied {
		fmt.Fprintf(stdout, "  %04d %s\n", m.Version, m.Name)
	}
	return nil
}

// cmdToken creates, lists and revokes API tokens directly in the database,
// for bootstrapping and recovery without a running server.
func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: paddock token create|list|revoke ...\n")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs, cf := newFlagSet("token "+sub, stderr, getenv, false)
	role := fs.String("role", "", "role of the new token: viewer, editor or admin")
	name := fs.String("name", "cli", "name of the new token")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(cf, getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.NewService(db, nil)
	switch sub {
	case "create":
		r, err := auth.ParseRole(*role)
		if err != nil {
			fmt.Fprintln(stderr, "paddock token create: --role must be viewer, editor or admin")
			return errUsage
		}
		secret, tok, err := svc.Create(ctx, *name, r, "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created token %s (%s, role %s); it is shown only this once:\n", tok.ID, tok.Name, tok.Role)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tSTATE")
		for _, t := range list {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.Format("2006-01-02 15:04"), state)
		}
		return tw.Flush()
	case "revoke":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "usage: paddock token revoke ID")
			return errUsage
		}
		if err := svc.Revoke(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", pos[0])
		return nil
	}
	fmt.Fprintf(stderr, "unknown token command %q (want create, list or revoke)\n", sub)
	return errUsage
}
