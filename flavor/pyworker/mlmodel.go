package pyworker

import (
	"fmt"
	"slices"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// pyfuncConf is the python_function flavor of an MLmodel file, sent to
// the worker with the load request.
type pyfuncConf = mlmodel.PyFunc

// parseMLmodel reads an MLmodel file: its python_function flavor, and its
// signature converted to a flavor.Signature when it has one, with the
// DataFrame column names of a column schema.
func parseMLmodel(b []byte) (*pyfuncConf, []string, *flavor.Signature, error) {
	d, err := mlmodel.Parse(b)
	if err != nil {
		return nil, nil, nil, err
	}
	conf, err := d.PyFunc()
	if err != nil {
		return nil, nil, nil, err
	}
	if d.Signature == nil || d.Signature.Inputs == "" {
		return conf, nil, nil, nil
	}
	if err := checkColumnTypes(d.Signature); err != nil {
		return nil, nil, nil, err
	}
	sig, err := d.Signature.Convert()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("MLmodel signature: %w", err)
	}
	if err := checkSignature(&sig); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: MLmodel signature: %w", flavor.ErrCorrupt, err)
	}
	var columns []string
	for _, c := range sig.Columns {
		columns = append(columns, c.Name)
	}
	return conf, columns, &sig, nil
}

// stringOnlyColumns are MLflow column types whose values would reach the
// model as Python str, while it expects bytes or datetime64.
var stringOnlyColumns = []string{"binary", "datetime"}

// checkColumnTypes refuses input columns the worker cannot rebuild.
func checkColumnTypes(s *mlmodel.Signature) error {
	specs, err := s.InputSchema()
	if err != nil {
		return err
	}
	for _, sp := range specs {
		if slices.Contains(stringOnlyColumns, sp.Type) {
			return fmt.Errorf("%w: MLmodel signature: %s column %q", flavor.ErrUnsupported, sp.Type, sp.Name)
		}
	}
	return nil
}
