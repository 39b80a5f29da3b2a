package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/paddockml/paddock/artifact"
)

// List walks the key's directory tree below prefix. Symbolic links are not
// followed and files other than object files are ignored, so neither
// temporary files nor anything placed in the tree by hand shows up.
func (s *Store) List(ctx context.Context, prefix string) ([]artifact.Info, error) {
	infos, err := s.list(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	return infos, nil
}

func (s *Store) list(ctx context.Context, prefix string) ([]artifact.Info, error) {
	p := strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		if s.closed.Load() {
			return nil, artifact.ErrClosed
		}
	} else if err := s.check(p); err != nil {
		return nil, err
	}
	infos := []artifact.Info{}
	err := fs.WalkDir(s.root.FS(), keyDir(p), func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			// Nothing under the prefix, or removed by a concurrent Delete.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		key, ok := keyOfPath(name)
		if !ok {
			return nil
		}
		info, err := s.statObject(name, key)
		if errors.Is(err, artifact.ErrNotFound) {
			return nil // deleted since the directory was read
		}
		if err != nil {
			return fmt.Errorf("%q: %w", key, err)
		}
		infos = append(infos, info)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The walk goes directory by directory, which is not byte order of keys
	// ("a/b" comes before "a-b" in the walk, after it in byte order).
	slices.SortFunc(infos, func(a, b artifact.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}
