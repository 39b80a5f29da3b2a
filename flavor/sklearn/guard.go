package sklearn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// guardReader feeds a pickle held in memory to gopickle and checks every
// opcode before gopickle sees it. gopickle allocates a buffer of whatever
// length an opcode declares before it reads the data, so a 20-byte hostile
// file claiming an 8 EiB string would take the process down; the guard
// refuses any declared length larger than the bytes that are left. It also
// charges an estimate of the memory each opcode makes gopickle hold and
// refuses pickles whose estimate passes a budget (a file of MARK opcodes
// costs far more memory than its size).
type guardReader struct {
	data    []byte
	pos     int // next byte handed out
	next    int // start of the next opcode not yet checked
	budget  int // remaining estimated bytes of unpickler memory
	nesting int // pickles being loaded, counting inner joblib ones
	convert int // remaining bytes the model may take once rebuilt
	err     error
}

// Limits on what a legitimate scikit-learn pickle holds.
const (
	// maxTextArg bounds newline-terminated arguments (module and class
	// names, protocol-0 numbers and strings).
	maxTextArg = 1 << 16
	// maxNumberText bounds decimal INT/LONG text and LONG4 bytes: big
	// integer parsing is quadratic and models never hold huge integers.
	maxNumberText = 4096
	// opCost and markCost estimate the bytes gopickle keeps per opcode: a
	// stack slot and boxed value, or a fresh 16-slot stack for MARK.
	opCost   = 48
	markCost = 320
)

func newGuardReader(data []byte) *guardReader {
	return &guardReader{data: data, budget: 64<<20 + 4*len(data), convert: 64<<20 + 8*len(data)}
}

// charge accounts for n bytes allocated while rebuilding the model from
// the unpickled objects. Pickles share objects by reference, so a small
// file can name the same large array many times; the budget keeps the
// rebuilt model proportional to the file.
func (g *guardReader) charge(n int) error {
	if n < 0 || n > g.convert {
		return fmt.Errorf("%w: rebuilding the model needs more than %d MiB", errGuard, (64<<20+8*len(g.data))>>20)
	}
	g.convert -= n
	return nil
}

// errGuard marks a pickle refused by the guard.
var errGuard = errors.New("pickle refused")

// Read implements io.Reader after checking the opcodes that start inside
// the bytes it hands out.
func (g *guardReader) Read(p []byte) (int, error) {
	if g.pos >= len(g.data) {
		return 0, io.EOF
	}
	n := min(len(p), len(g.data)-g.pos)
	if err := g.check(g.pos + n); err != nil {
		return 0, err
	}
	copy(p, g.data[g.pos:g.pos+n])
	g.pos += n
	return n, nil
}

// ReadByte implements io.ByteReader.
func (g *guardReader) ReadByte() (byte, error) {
	if g.pos >= len(g.data) {
		return 0, io.EOF
	}
	if err := g.check(g.pos + 1); err != nil {
		return 0, err
	}
	b := g.data[g.pos]
	g.pos++
	return b, nil
}

// readRaw hands out n bytes that are not opcodes (joblib writes array data
// straight into the stream) and resumes checking after them.
func (g *guardReader) readRaw(n int) ([]byte, error) {
	if n < 0 || n > len(g.data)-g.pos {
		return nil, fmt.Errorf("%w: array data needs %d bytes, %d left", errGuard, n, len(g.data)-g.pos)
	}
	b := g.data[g.pos : g.pos+n]
	g.pos += n
	g.next = g.pos
	return b, nil
}

// check validates every opcode that starts before end.
func (g *guardReader) check(end int) error {
	if g.err != nil {
		return g.err
	}
	for g.next < end {
		size, cost, err := opcodeSize(g.data, g.next)
		if err == nil && cost > g.budget {
			err = fmt.Errorf("%w: pickle needs more than %d MiB to unpickle", errGuard, (64<<20+4*len(g.data))>>20)
		}
		if err != nil {
			g.err = err
			return err
		}
		g.budget -= cost
		g.next += size
	}
	return nil
}

// opcodeSize returns the byte length of the opcode at pos (with its
// arguments and data, not counting a FRAME's contents) and the memory it
// makes the unpickler hold.
func opcodeSize(data []byte, pos int) (size, cost int, err error) {
	op := data[pos]
	rest := data[pos+1:]
	switch op {
	case '(':
		return 1, markCost, nil
	case '.', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o', 's', 't', ')', 'u',
		0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
		return 1, opCost, nil
	case 'K', 'h', 'q', 0x80, 0x82:
		return fixedArg(rest, 1)
	case 'M', 0x83:
		return fixedArg(rest, 2)
	case 'J', 'j', 'r', 0x84:
		return fixedArg(rest, 4)
	case 'G':
		return fixedArg(rest, 8)
	case 0x95: // FRAME: its contents are opcodes, checked one by one.
		n, err := counted(rest, 8)
		if err != nil {
			return 0, 0, err
		}
		return 9, n, nil
	case 'F', 'I', 'L', 'g', 'p', 'P':
		return lineArg(rest, 1, maxNumberText)
	case 'S', 'V':
		return lineArg(rest, 1, maxTextArg)
	case 'c', 'i':
		return lineArg(rest, 2, maxTextArg)
	}
	return dataOpcodeSize(op, rest)
}

// dataOpcodeSize handles the opcodes that carry a length-prefixed payload.
func dataOpcodeSize(op byte, rest []byte) (size, cost int, err error) {
	width, limit := 0, -1
	switch op {
	case 'U', 'C', 0x8c: // SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE
		width = 1
	case 0x8a: // LONG1
		width = 1
	case 'T', 'X', 'B': // BINSTRING, BINUNICODE, BINBYTES
		width = 4
	case 0x8b: // LONG4
		width, limit = 4, maxNumberText
	case 0x8d, 0x8e, 0x96: // BINUNICODE8, BINBYTES8, BYTEARRAY8
		width = 8
	default:
		return 0, 0, fmt.Errorf("%w: unknown opcode 0x%02x", errGuard, op)
	}
	n, err := counted(rest, width)
	if err != nil {
		return 0, 0, err
	}
	if limit >= 0 && n > limit {
		return 0, 0, fmt.Errorf("%w: integer of %d bytes", errGuard, n)
	}
	if op == 0x8a && n == 0 {
		// gopickle indexes the last byte of a LONG1 payload.
		return 0, 0, fmt.Errorf("%w: empty LONG1", errGuard)
	}
	return 1 + width + n, opCost + 2*n, nil
}

func fixedArg(rest []byte, n int) (size, cost int, err error) {
	if len(rest) < n {
		return 0, 0, fmt.Errorf("%w: truncated opcode argument", errGuard)
	}
	return 1 + n, opCost, nil
}

// counted reads a little-endian length of width bytes and checks that
// that many bytes follow it.
func counted(rest []byte, width int) (int, error) {
	if len(rest) < width {
		return 0, fmt.Errorf("%w: truncated length", errGuard)
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(rest[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(rest))
	case 8:
		n = binary.LittleEndian.Uint64(rest)
	}
	if left := uint64(len(rest) - width); n > left {
		return 0, fmt.Errorf("%w: length %d exceeds the %d bytes left", errGuard, n, left)
	}
	return int(n), nil
}

// lineArg measures lines newline-terminated arguments of at most limit bytes.
func lineArg(rest []byte, lines, limit int) (size, cost int, err error) {
	total := 1
	for range lines {
		i := bytes.IndexByte(rest[:min(len(rest), limit+1)], '\n')
		if i < 0 {
			return 0, 0, fmt.Errorf("%w: text argument without newline within %d bytes", errGuard, limit)
		}
		total += i + 1
		rest = rest[i+1:]
	}
	return total, opCost + 2*total, nil
}
