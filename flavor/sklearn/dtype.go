package sklearn

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// dtype is a rebuilt numpy.dtype: a scalar kind and size, or a structured
// record of named fields (tree nodes).
type dtype struct {
	kind   byte // 'f', 'i', 'u', 'b', 'O', 'U', 'S' or 'V'
	size   int  // bytes per element
	big    bool // big-endian data
	fields map[string]dtypeField
}

type dtypeField struct {
	dt     *dtype
	offset int
}

// maxItemSize bounds one element; the largest scikit-learn uses is a
// 64-byte tree node.
const maxItemSize = 1 << 16

type dtypeClass struct{}

// Call implements types.Callable: numpy.dtype("f8", False, True).
func (dtypeClass) Call(args ...any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%w: numpy.dtype without arguments", flavor.ErrCorrupt)
	}
	spec, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("%w: numpy.dtype(%s)", flavor.ErrUnsupported, typeName(args[0]))
	}
	return parseDtype(spec)
}

// parseDtype reads a type string such as "f8", "<i4", "U5" or "V56".
func parseDtype(spec string) (*dtype, error) {
	d := &dtype{}
	if spec != "" && (spec[0] == '<' || spec[0] == '>' || spec[0] == '|' || spec[0] == '=') {
		d.big = spec[0] == '>'
		spec = spec[1:]
	}
	if spec == "" {
		return nil, fmt.Errorf("%w: empty dtype", flavor.ErrCorrupt)
	}
	d.kind = spec[0]
	n, err := strconv.Atoi(spec[1:])
	if err != nil || n < 0 || n > maxItemSize {
		return nil, fmt.Errorf("%w: dtype %q", flavor.ErrUnsupported, clip(spec))
	}
	d.size = n
	switch d.kind {
	case 'f':
		if n != 4 && n != 8 {
			return nil, fmt.Errorf("%w: float dtype of %d bytes", flavor.ErrUnsupported, n)
		}
	case 'i', 'u':
		if n != 1 && n != 2 && n != 4 && n != 8 {
			return nil, fmt.Errorf("%w: integer dtype of %d bytes", flavor.ErrUnsupported, n)
		}
	case 'b':
		d.size = 1
	case 'O':
		d.size = 8
	case 'U':
		d.size = 4 * n // n characters of UCS-4
	case 'S', 'V':
	default:
		return nil, fmt.Errorf("%w: dtype %q", flavor.ErrUnsupported, clip(spec))
	}
	return d, nil
}

// PySetState implements types.PyStateSettable: (version, byteorder,
// subarray, names, fields, elsize, alignment, flags[, metadata]).
func (d *dtype) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || (t.Len() != 8 && t.Len() != 9) {
		return fmt.Errorf("%w: dtype state is not an 8-tuple", flavor.ErrCorrupt)
	}
	if order, ok := t.Get(1).(string); ok {
		d.big = order == ">"
	}
	if t.Get(2) != nil {
		return fmt.Errorf("%w: sub-array dtypes", flavor.ErrUnsupported)
	}
	if elsize, ok := asInt(t.Get(5)); ok && elsize > 0 {
		if elsize > maxItemSize {
			return fmt.Errorf("%w: dtype element of %d bytes", flavor.ErrCorrupt, elsize)
		}
		if d.kind == 'U' || d.kind == 'S' || d.kind == 'V' {
			d.size = elsize
		}
	}
	if t.Get(4) == nil {
		return nil
	}
	return d.setFields(t.Get(4))
}

// setFields reads a structured dtype's {name: (dtype, offset)} map.
func (d *dtype) setFields(v any) error {
	fields, ok := v.(*types.Dict)
	if !ok {
		return fmt.Errorf("%w: dtype fields are %s", flavor.ErrCorrupt, typeName(v))
	}
	d.fields = make(map[string]dtypeField, len(*fields))
	for _, e := range *fields {
		name, ok := e.Key.(string)
		spec, ok2 := e.Value.(*types.Tuple)
		if !ok || !ok2 || spec.Len() < 2 {
			return fmt.Errorf("%w: malformed dtype field", flavor.ErrCorrupt)
		}
		fdt, ok := spec.Get(0).(*dtype)
		off, ok2 := asInt(spec.Get(1))
		if !ok || !ok2 || fdt == d || fdt.fields != nil || off < 0 || off+fdt.size > d.size {
			return fmt.Errorf("%w: dtype field %q does not fit the record", flavor.ErrCorrupt, clip(name))
		}
		d.fields[name] = dtypeField{dt: fdt, offset: off}
	}
	return nil
}

// snapshot copies the dtype and its fields' dtypes as they are now.
func (d *dtype) snapshot() *dtype {
	c := *d
	if d.fields != nil {
		c.fields = make(map[string]dtypeField, len(d.fields))
		for name, f := range d.fields {
			fdt := *f.dt
			c.fields[name] = dtypeField{dt: &fdt, offset: f.offset}
		}
	}
	return &c
}

func (d *dtype) String() string {
	return fmt.Sprintf("%c%d", d.kind, d.size)
}

func (d *dtype) order() binary.ByteOrder {
	if d.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// numeric reports whether elements convert to float64.
func (d *dtype) numeric() bool {
	switch d.kind {
	case 'f', 'i', 'u', 'b':
		return d.fields == nil
	}
	return false
}

// float reads one numeric element from b.
func (d *dtype) float(b []byte) float64 {
	o := d.order()
	switch d.kind {
	case 'f':
		if d.size == 4 {
			return float64(math.Float32frombits(o.Uint32(b)))
		}
		return math.Float64frombits(o.Uint64(b))
	case 'i':
		return float64(d.int(b))
	case 'u':
		return float64(d.uint(b))
	case 'b':
		if b[0] != 0 {
			return 1
		}
	}
	return 0
}

// int reads one signed integer element from b.
func (d *dtype) int(b []byte) int64 {
	o := d.order()
	switch d.size {
	case 1:
		return int64(int8(b[0]))
	case 2:
		return int64(int16(o.Uint16(b)))
	case 4:
		return int64(int32(o.Uint32(b)))
	}
	return int64(o.Uint64(b))
}

// uint reads one unsigned integer element from b.
func (d *dtype) uint(b []byte) uint64 {
	o := d.order()
	switch d.size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(o.Uint16(b))
	case 4:
		return uint64(o.Uint32(b))
	}
	return o.Uint64(b)
}

// text decodes one 'U' (UCS-4) or 'S' (bytes) element, dropping numpy's
// trailing NUL padding.
func (d *dtype) text(b []byte) (string, error) {
	if d.kind == 'S' {
		end := len(b)
		for end > 0 && b[end-1] == 0 {
			end--
		}
		return string(b[:end]), nil
	}
	o := d.order()
	buf := make([]byte, 0, len(b)/4)
	for i := 0; i+4 <= len(b); i += 4 {
		r := rune(o.Uint32(b[i:]))
		if r == 0 {
			break
		}
		if !utf8.ValidRune(r) {
			return "", fmt.Errorf("%w: invalid character in string array", flavor.ErrCorrupt)
		}
		buf = utf8.AppendRune(buf, r)
	}
	return string(buf), nil
}

// scalarFunc is numpy.core.multiarray.scalar(dtype, bytes), how numpy
// pickles a scalar such as np.float64(2.5).
type scalarFunc struct{}

// Call implements types.Callable.
func (scalarFunc) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%w: numpy scalar takes 2 arguments", flavor.ErrCorrupt)
	}
	d, ok := args[0].(*dtype)
	if !ok {
		return nil, fmt.Errorf("%w: numpy scalar of %s", flavor.ErrCorrupt, typeName(args[0]))
	}
	if d.kind == 'O' {
		return args[1], nil
	}
	b, ok := bytesOf(args[1])
	if !ok || len(b) != d.size || d.fields != nil {
		return nil, fmt.Errorf("%w: numpy %s scalar with %d bytes", flavor.ErrCorrupt, d, len(b))
	}
	switch d.kind {
	case 'i':
		return int(d.int(b)), nil
	case 'u':
		u := d.uint(b)
		if u > math.MaxInt64 {
			return float64(u), nil
		}
		return int(u), nil
	case 'b':
		return b[0] != 0, nil
	case 'U', 'S':
		return d.text(b)
	case 'f':
		return d.float(b), nil
	}
	return nil, fmt.Errorf("%w: numpy %s scalar", flavor.ErrUnsupported, d)
}

// bytesOf returns the bytes of a pickled bytes or bytearray value.
func bytesOf(v any) ([]byte, bool) {
	switch b := v.(type) {
	case []byte:
		return b, true
	case *types.ByteArray:
		return *b, true
	case string:
		// Protocol 0/1 and Python 2 pickles carry array bytes as str.
		return []byte(b), true
	}
	return nil, false
}
