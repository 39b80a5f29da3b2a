package onnx

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// corruptf returns an error wrapping flavor.ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: onnx: %s", flavor.ErrCorrupt, fmt.Sprintf(format, args...))
}

// unsupportedf returns an error wrapping flavor.ErrUnsupported.
func unsupportedf(format string, args ...any) error {
	return fmt.Errorf("%w: onnx: %s", flavor.ErrUnsupported, fmt.Sprintf(format, args...))
}
