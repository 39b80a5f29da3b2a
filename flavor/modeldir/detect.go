package modeldir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
	"github.com/paddockml/paddock/flavor/onnx"
	"github.com/paddockml/paddock/flavor/xgboost"
)

// conventionalFile is the file that identifies each flavor in a directory
// without MLmodel.
var conventionalFile = map[string]string{
	XGBoost: xgboost.ModelFile,
	Sklearn: "model.pkl",
	ONNX:    onnx.ModelFile,
	Python:  "paddock_model.py",
}

// Detect returns the flavor Load would use for dir: the one its MLmodel
// resolves to, or, without MLmodel, the one its conventional file names.
// A directory holding the files of two flavors is ambiguous, and an error.
func Detect(dir string) (string, error) {
	d, err := mlmodel.Read(dir)
	switch {
	case err == nil:
		p, err := resolve(d)
		if err != nil {
			return "", fmt.Errorf("detect %s: %w", dir, err)
		}
		return p.flavor, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("detect %s: %w", dir, err)
	}
	var found []string
	for _, name := range []string{XGBoost, Sklearn, ONNX, Python} {
		if _, err := os.Lstat(filepath.Join(dir, conventionalFile[name])); err == nil {
			found = append(found, name)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if st, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("detect: %w", err)
		} else if !st.IsDir() {
			return "", fmt.Errorf("%w: %s is not a directory", flavor.ErrCorrupt, dir)
		}
		return "", fmt.Errorf("%w: %s has no %s and none of model.json, model.pkl, model.onnx, paddock_model.py",
			flavor.ErrUnsupported, dir, mlmodel.FileName)
	}
	var files []string
	for _, name := range found {
		files = append(files, fmt.Sprintf("%s (%s)", conventionalFile[name], name))
	}
	return "", fmt.Errorf("%w: %s is ambiguous: it holds %s; add an %s file naming the flavor",
		flavor.ErrUnsupported, dir, strings.Join(files, " and "), mlmodel.FileName)
}
