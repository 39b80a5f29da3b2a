package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/config"
)

// maxWatchedFiles bounds the files of a watched path walked per poll.
const maxWatchedFiles = 100_000

// absentDigest is the digest of watched data that does not exist (yet),
// so that its arrival fires the job.
const absentDigest = "absent"

// dataDigest digests the data a new_data trigger watches: the keys and
// content digests of the objects under an artifact-store prefix, or the
// names, sizes and modification times of the files under a local path
// (hashing their content each poll would read whole data sets).
func (s *Scheduler) dataDigest(ctx context.Context, t config.NewDataTrigger) (string, error) {
	h := sha256.New()
	if t.Prefix != "" {
		if s.data == nil {
			return "", errors.New("no artifact store to watch prefixes in")
		}
		objs, err := s.data.List(ctx, t.Prefix)
		if err != nil {
			return "", err
		}
		if len(objs) == 0 {
			return absentDigest, nil
		}
		for _, o := range objs {
			fmt.Fprintf(h, "%s\x00%s\x00%d\n", o.Key, o.Digest, o.Size)
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
	}
	n := 0
	err := filepath.WalkDir(t.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if n++; n > maxWatchedFiles {
			return fmt.Errorf("more than %d files under %s", maxWatchedFiles, t.Path)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(t.Path, p)
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", rel, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return absentDigest, nil
	}
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
