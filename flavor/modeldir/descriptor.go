package modeldir

import (
	"fmt"

	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// Descriptor is a parsed MLmodel file (see package mlmodel, which pyworker
// shares).
type Descriptor = mlmodel.Descriptor

// ReadDescriptor reads and validates dir/MLmodel. A missing file is an
// error wrapping fs.ErrNotExist; a malformed one wraps flavor.ErrCorrupt
// and names the line.
func ReadDescriptor(dir string) (*Descriptor, error) {
	d, err := mlmodel.Read(dir)
	if err != nil {
		return nil, fmt.Errorf("read descriptor of %s: %w", dir, err)
	}
	return d, nil
}

// WriteDescriptor writes d to dir/MLmodel in the layout MLflow writes, so
// that an MLflow client can load the directory.
func WriteDescriptor(dir string, d *Descriptor) error {
	if err := mlmodel.Write(dir, d); err != nil {
		return fmt.Errorf("write descriptor to %s: %w", dir, err)
	}
	return nil
}
