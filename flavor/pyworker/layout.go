package pyworker

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paddockml/paddock/flavor"
)

// Model directory layouts the worker can load.
const (
	// layoutPaddock is a directory with paddock_model.py exposing
	// load(path) -> object with predict(inputs).
	layoutPaddock = "paddock"
	// layoutMLflow is an MLflow model directory whose MLmodel file has a
	// python_function flavor.
	layoutMLflow = "mlflow"
)

// Files that identify a layout, and the largest metadata file read.
const (
	paddockModelFile = "paddock_model.py"
	mlmodelFile      = "MLmodel"
	maxMetaFile      = 1 << 20
)

// layout is what Paddock learns about a model directory before starting
// any Python.
type layout struct {
	kind   string
	pyfunc *pyfuncConf
	// columns names the DataFrame columns of an MLflow column schema.
	columns []string
	// sig is the signature declared in signature.json or MLmodel, if any.
	sig *flavor.Signature
}

// inspectDir identifies the layout of dir and reads its metadata.
func inspectDir(dir string) (layout, error) {
	var l layout
	st, err := os.Stat(dir)
	if err != nil {
		return l, fmt.Errorf("model directory: %w", err)
	}
	if !st.IsDir() {
		return l, fmt.Errorf("%w: %s is not a directory", flavor.ErrCorrupt, dir)
	}
	if b, err := readMeta(filepath.Join(dir, mlmodelFile)); err == nil {
		l.kind = layoutMLflow
		if l.pyfunc, l.columns, l.sig, err = parseMLmodel(b); err != nil {
			return l, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return l, err
	} else if _, err := os.Stat(filepath.Join(dir, paddockModelFile)); err == nil {
		l.kind = layoutPaddock
	} else {
		return l, fmt.Errorf("%w: %s has neither %s nor %s", flavor.ErrUnsupported, dir, mlmodelFile, paddockModelFile)
	}
	b, err := readMeta(filepath.Join(dir, signatureFile))
	switch {
	case err == nil:
		sig, err := parseSignature(b)
		if err != nil {
			return l, fmt.Errorf("%w: %s: %w", flavor.ErrCorrupt, signatureFile, err)
		}
		l.sig = &sig
	case !errors.Is(err, fs.ErrNotExist):
		return l, err
	}
	return l, nil
}

// readMeta reads a small metadata file, refusing one above maxMetaFile.
func readMeta(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMetaFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetaFile {
		return nil, fmt.Errorf("%w: %s is over %d bytes", flavor.ErrCorrupt, filepath.Base(path), maxMetaFile)
	}
	return b, nil
}
