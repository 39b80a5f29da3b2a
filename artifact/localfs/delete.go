package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/paddockml/paddock/artifact"
)

// Delete removes the object file of key, then the directories that this
// leaves empty, so deleted runs leave no trace in the tree. Unlike Put it
// does not sync the directory: a crash may bring a deleted object back,
// whole and verified, and deleting it again is harmless.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	err := s.root.Remove(objectPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %q: %w", key, artifact.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	s.pruneDirs(key)
	return nil
}

// pruneDirs removes the directory of key and of each parent key up to the
// objects directory, stopping at the first that is not empty (Remove refuses
// those). A concurrent Put that loses its fresh directory to this makes it
// again (see commit).
func (s *Store) pruneDirs(key string) {
	for k := key; k != "."; k = path.Dir(k) {
		if s.root.Remove(keyDir(k)) != nil {
			return
		}
	}
}
