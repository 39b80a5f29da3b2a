package pyworker

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// workerScript is the Python side of the protocol, shipped inside the
// binary so that a Paddock install is one file.
//
//go:embed worker/paddock_worker.py
var workerScript []byte

// writeScript makes sure dir holds the embedded worker script and returns
// its path. The name carries a hash of the content, so binaries of
// different versions sharing a cache never run each other's worker; an
// existing file is reused only if its bytes match.
func writeScript(dir string) (string, error) {
	sum := sha256.Sum256(workerScript)
	path := filepath.Join(dir, fmt.Sprintf("paddock_worker_%x.py", sum[:8]))
	if b, err := os.ReadFile(path); err == nil && bytes.Equal(b, workerScript) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("worker script dir: %w", err)
	}
	// Write then rename, so a concurrent Load never runs a half-written
	// file.
	f, err := os.CreateTemp(dir, "paddock_worker_*.tmp")
	if err != nil {
		return "", fmt.Errorf("worker script: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(workerScript)
	if err := errors.Join(werr, f.Close()); err != nil {
		return "", fmt.Errorf("worker script: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return "", fmt.Errorf("worker script: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", fmt.Errorf("worker script: %w", err)
	}
	return path, nil
}
