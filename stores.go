package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/artifact/localfs"
	"github.com/paddockml/paddock/artifact/s3store"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/sqldb"
)

type configLog = config.LogConfig

// loadConfig reads the configuration named by the flags and environment.
func loadConfig(cf *commonFlags, getenv func(string) string) (*config.Loaded, error) {
	return config.Load(cf.config, getenv, config.Flags{DataDir: cf.dataDir, Addr: cf.addr})
}

// stores are the two storage dependencies every command opens.
type stores struct {
	db        *sqldb.DB
	artifacts artifact.Store
}

// openStores opens and migrates the metadata database and opens the
// artifact store.
func openStores(ctx context.Context, cfg *config.Loaded, logger *slog.Logger) (*stores, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	arts, err := openArtifacts(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &stores{db: db, artifacts: arts}, nil
}

func openDB(ctx context.Context, cfg *config.Loaded) (*sqldb.DB, error) {
	db, err := sqldb.OpenSQLite(ctx, cfg.Database.Path, sqldb.SQLiteOptions{
		BusyTimeout:     cfg.Database.BusyTimeout.Std(),
		ReadConnections: cfg.Database.ReadConnections,
	})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", cfg.Database.Path, err)
	}
	return db, nil
}

func openArtifacts(cfg *config.Loaded) (artifact.Store, error) {
	switch a := cfg.Artifacts; a.Backend {
	case "s3":
		return s3store.Open(s3store.Config{
			Endpoint: a.S3.Endpoint, Bucket: a.S3.Bucket, AccessKey: a.S3.AccessKey, SecretKey: a.S3.SecretKey,
			Region: a.S3.Region, UseSSL: a.S3.UseSSL, Prefix: a.S3.Prefix,
		})
	default:
		return localfs.Open(a.Local.Root)
	}
}

// close closes the artifact store, then the database, which goes last
// so every writer has flushed into it.
func (s *stores) close(logger *slog.Logger) {
	if err := errors.Join(s.artifacts.Close(), s.db.Close()); err != nil {
		logger.Error("close stores", "err", err)
	}
}
