package registry

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// File is one file of a version, with the size and digest it had when it
// was registered.
type File struct {
	// Path is relative to the version's root, slash-separated.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
}

// Limits on what one version may hold.
const (
	maxFiles   = 100_000
	maxMLmodel = 1 << 20
)

// copyFiles copies every object under from (or the single object from)
// to the same relative paths under to, and returns the manifest. Reads
// are digest-verified by the store, and each copy must come out with the
// digest its original was recorded with.
func (s *Service) copyFiles(ctx context.Context, from, to string) ([]File, error) {
	infos, err := s.store.List(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", from, err)
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("no files under %s", artifactURI(from))
	}
	if len(infos) > maxFiles {
		return nil, fmt.Errorf("%d files under %s: a version holds at most %d", len(infos), artifactURI(from), maxFiles)
	}
	files := make([]File, 0, len(infos))
	for _, in := range infos {
		rel := strings.TrimPrefix(in.Key, from+"/")
		if in.Key == from { // the source is a single file
			rel = in.Key[strings.LastIndexByte(in.Key, '/')+1:]
		}
		f, err := s.copyOne(ctx, in.Key, to+"/"+rel)
		if err != nil {
			return nil, err
		}
		f.Path = rel
		files = append(files, f)
	}
	return files, nil
}

func (s *Service) copyOne(ctx context.Context, from, to string) (File, error) {
	rc, src, err := s.store.Get(ctx, from)
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", from, err)
	}
	defer rc.Close()
	dst, err := s.store.Put(ctx, to, rc)
	if err != nil {
		return File{}, fmt.Errorf("copy %s: %w", from, err)
	}
	if dst.Digest != src.Digest || dst.Size != src.Size {
		return File{}, fmt.Errorf("%w: copy of %s has %s (%d bytes), original %s (%d bytes)",
			artifact.ErrDigestMismatch, from, dst.Digest, dst.Size, src.Digest, src.Size)
	}
	return File{Size: dst.Size, Digest: dst.Digest}, nil
}

// manifestDigest is the version's artifact digest: SHA-256 over
// "<path>\x00<size>\x00<digest>\n" for each file in path order, "" for
// no files.
func manifestDigest(files []File) string {
	if len(files) == 0 {
		return ""
	}
	sorted := slices.SortedFunc(slices.Values(files), func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, f := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00%s\n", f.Path, f.Size, f.Digest)
	}
	return artifact.FormatDigest(h.Sum(nil))
}

// conventionalFiles identify a flavor in a directory without MLmodel, as
// package flavor/modeldir recognises them.
var conventionalFiles = map[string]string{
	"model.json": FlavorXGBoost, "model.pkl": FlavorSklearn, "model.onnx": FlavorONNX, "paddock_model.py": FlavorPython,
}

// inspect reads the copied MLmodel, if any, for the flavor and the
// signature; without one, a single conventional model file names the
// flavor. A malformed MLmodel fails the registration: such a version
// could never be served.
func (s *Service) inspect(ctx context.Context, prefix string, files []File) (string, json.RawMessage, error) {
	if !slices.ContainsFunc(files, func(f File) bool { return f.Path == mlmodel.FileName }) {
		found := ""
		for _, f := range files {
			if fl, ok := conventionalFiles[f.Path]; ok {
				if found != "" {
					return "", nil, nil // ambiguous: leave the flavor unknown
				}
				found = fl
			}
		}
		return found, nil, nil
	}
	rc, _, err := s.store.Get(ctx, prefix+"/"+mlmodel.FileName)
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMLmodel+1))
	if err != nil {
		return "", nil, fmt.Errorf("read MLmodel: %w", err)
	}
	if len(b) > maxMLmodel {
		return "", nil, fmt.Errorf("MLmodel is larger than %d bytes", maxMLmodel)
	}
	d, err := mlmodel.Parse(b)
	if err != nil {
		return "", nil, fmt.Errorf("MLmodel: %w", err)
	}
	return descriptorFlavor(d), descriptorSignature(d), nil
}

// descriptorFlavor applies package flavor/modeldir's resolution order:
// metadata.paddock.flavor, then a native flavor, then python_function
// (native when its loader is a native flavor's), else unknown ("").
func descriptorFlavor(d *mlmodel.Descriptor) string {
	if meta, err := d.Paddock(); err == nil && meta.Flavor != "" {
		if meta.Flavor == mlmodel.PythonFunction {
			return FlavorPython
		}
		return meta.Flavor
	}
	for _, f := range []string{FlavorXGBoost, FlavorSklearn, FlavorONNX} {
		if _, ok := d.Flavors[f]; ok {
			return f
		}
	}
	if _, ok := d.Flavors[mlmodel.PythonFunction]; ok {
		if pf, err := d.PyFunc(); err == nil {
			switch pf.LoaderModule {
			case "mlflow.xgboost":
				return FlavorXGBoost
			case "mlflow.sklearn":
				return FlavorSklearn
			case "mlflow.onnx":
				return FlavorONNX
			}
		}
		return FlavorPython
	}
	return ""
}

func descriptorSignature(d *mlmodel.Descriptor) json.RawMessage {
	if d.Signature == nil {
		return nil
	}
	sig := map[string]string{}
	for k, v := range map[string]string{"inputs": d.Signature.Inputs, "outputs": d.Signature.Outputs, "params": d.Signature.Params} {
		if v != "" {
			sig[k] = v
		}
	}
	if len(sig) == 0 {
		return nil
	}
	b, _ := json.Marshal(sig)
	return b
}

// Files returns a version's manifest, in path order.
func (s *Service) Files(ctx context.Context, name string, version int64) ([]File, error) {
	v, err := s.GetVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s.versionFiles(ctx, v)
}

func (s *Service) versionFiles(ctx context.Context, v Version) ([]File, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT path, size, digest FROM model_version_files WHERE version_pk = ? ORDER BY path`, v.pk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	files := []File{}
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Path, &f.Size, &f.Digest); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, rows.Err()
}

// errNoFiles is the error for downloading a version whose files Paddock
// does not hold.
func errNoFiles(v Version) error {
	if v.Status != StatusReady {
		return errs.E(errs.FailedPrecondition, "version %d of %s is %s: it has no files to download", v.Version, v.Model, v.Status)
	}
	return errs.E(errs.FailedPrecondition, "version %d of %s references files outside Paddock (%s); download them from there", v.Version, v.Model, v.Source)
}
