package pyworker

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Flat JSON arrays of tensor data are read by hand: it is several times
// faster than reflection, and strict where encoding/json is lenient (a
// null element would silently become 0).

// Float spellings for values JSON numbers cannot hold.
const (
	textNaN    = "NaN"
	textPosInf = "Infinity"
	textNegInf = "-Infinity"
)

// scanArray calls fn with each element token of a flat JSON array: a
// number, a literal, or a quoted string with its quotes. Nested arrays and
// objects are rejected. It stops after want elements are exceeded.
func scanArray(data []byte, want int, fn func(tok []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return errors.New("data is not an array")
	}
	i = skipSpace(data, i+1)
	count := 0
	if i < len(data) && data[i] == ']' {
		return finishArray(data, i, count, want)
	}
	for {
		end, err := tokenEnd(data, i)
		if err != nil {
			return err
		}
		if count++; count > want {
			return fmt.Errorf("data holds more than the %d values the shape says", want)
		}
		if err := fn(data[i:end]); err != nil {
			return fmt.Errorf("value %d: %w", count-1, err)
		}
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ']' {
			return finishArray(data, i, count, want)
		}
		if i >= len(data) || data[i] != ',' {
			return errors.New("malformed array")
		}
		i = skipSpace(data, i+1)
	}
}

func finishArray(data []byte, close, count, want int) error {
	if skipSpace(data, close+1) != len(data) {
		return errors.New("trailing bytes after the array")
	}
	if count != want {
		return fmt.Errorf("data holds %d values, shape says %d", count, want)
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// tokenEnd returns the end of the element token starting at i.
func tokenEnd(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errors.New("unterminated array")
	}
	switch data[i] {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, errors.New("unterminated string")
	case '[', '{':
		return 0, errors.New("nested arrays and objects are not allowed")
	}
	j := i
	for j < len(data) && data[j] != ',' && data[j] != ']' && data[j] != ' ' &&
		data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	if j == i {
		return 0, errors.New("empty value")
	}
	return j, nil
}

// parseFloats reads n floats; bits 32 rounds each to float32 precision.
func parseFloats(data []byte, n, bits int) ([]float64, error) {
	out := make([]float64, 0, n)
	err := scanArray(data, n, func(tok []byte) error {
		v, err := parseFloat(tok, bits)
		out = append(out, v)
		return err
	})
	return out, err
}

func parseFloat(tok []byte, bits int) (float64, error) {
	switch string(tok) {
	case `"` + textNaN + `"`:
		return math.NaN(), nil
	case `"` + textPosInf + `"`:
		return math.Inf(1), nil
	case `"` + textNegInf + `"`:
		return math.Inf(-1), nil
	}
	if !isNumber(tok) {
		return 0, fmt.Errorf("%.20q is not a number", tok)
	}
	v, err := strconv.ParseFloat(string(tok), bits)
	if err != nil {
		return 0, fmt.Errorf("%.20q: out of float%d range", tok, bits)
	}
	return v, nil
}

// isNumber reports whether tok uses only JSON number characters; it keeps
// strconv from accepting spellings JSON forbids (inf, nan, hex floats).
func isNumber(tok []byte) bool {
	for _, c := range tok {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')
}

func parseInts(data []byte, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	err := scanArray(data, n, func(tok []byte) error {
		v, err := strconv.ParseInt(string(tok), 10, 64)
		if err != nil {
			return fmt.Errorf("%.20q is not an int64", tok)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

func parseBools(data []byte, n int) ([]bool, error) {
	out := make([]bool, 0, n)
	err := scanArray(data, n, func(tok []byte) error {
		switch string(tok) {
		case "true":
			out = append(out, true)
		case "false":
			out = append(out, false)
		default:
			return fmt.Errorf("%.20q is not a bool", tok)
		}
		return nil
	})
	return out, err
}

func parseStrings(data []byte, n int) ([]string, error) {
	out := make([]string, 0, n)
	err := scanArray(data, n, func(tok []byte) error {
		if tok[0] != '"' {
			return fmt.Errorf("%.20q is not a string", tok)
		}
		var s string
		if err := json.Unmarshal(tok, &s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}
