package modeldir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
	"github.com/paddockml/paddock/flavor/onnx"
	"github.com/paddockml/paddock/flavor/pyworker"
	"github.com/paddockml/paddock/flavor/sklearn"
	"github.com/paddockml/paddock/flavor/xgboost"
)

// load loads the model the plan describes.
func (p plan) load(ctx context.Context, dir string, opts Options) (*Loaded, error) {
	l := &Loaded{Flavor: p.flavor, PredictFn: p.predictFn}
	if p.flavor != Python {
		m, err := openNative(dir, p.flavor, p.file)
		if err != nil {
			return nil, err
		}
		l.Model = m
		return l, nil
	}
	if err := checkPyfuncPaths(dir, p.pyfunc); err != nil {
		return nil, err
	}
	m, err := pyworker.Load(ctx, dir, opts.Python)
	if err != nil {
		return nil, err
	}
	l.Model = m
	return l, nil
}

// openNative opens file inside dir, without following a link out of it,
// and parses it with the flavor's package.
func openNative(dir, name, file string) (flavor.Model, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %s model file: %w", flavor.ErrCorrupt, name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s model file: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s model file %q is not a regular file", flavor.ErrCorrupt, name, file)
	}
	// An ONNX model's external data lives beside its file.
	m, err := parseNative(name, f, st.Size(), filepath.Join(dir, filepath.Dir(file)))
	if err != nil {
		return nil, fmt.Errorf("%s model file %q: %w", name, file, err)
	}
	return m, nil
}

// parseNative parses an open model file with the flavor's package;
// fileDir is the directory holding it.
func parseNative(name string, f io.Reader, size int64, fileDir string) (flavor.Model, error) {
	switch name {
	case XGBoost:
		return asModel(xgboost.Parse(f))
	case Sklearn:
		return asModel(sklearn.Parse(f))
	}
	if size > onnx.MaxModelSize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d byte limit", flavor.ErrCorrupt, size, onnx.MaxModelSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, onnx.MaxModelSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > onnx.MaxModelSize {
		return nil, fmt.Errorf("%w: over the %d byte limit", flavor.ErrCorrupt, onnx.MaxModelSize)
	}
	return asModel(onnx.ParseWithDir(b, fileDir))
}

// asModel returns a flavor package's result as a flavor.Model that is nil
// on error, never an interface holding a nil pointer.
func asModel[M flavor.Model](m M, err error) (flavor.Model, error) {
	if err != nil {
		return nil, err
	}
	return m, nil
}

// checkPyfuncPaths refuses python_function paths that resolve outside
// dir through a symbolic link. A missing path is left for the worker to
// report, since what a custom loader needs is its own business.
func checkPyfuncPaths(dir string, pf *mlmodel.PyFunc) error {
	if pf == nil {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, p := range pf.Paths() {
		if _, err := root.Stat(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: python_function path: %w", flavor.ErrCorrupt, err)
		}
	}
	return nil
}
