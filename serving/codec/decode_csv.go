package codec

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// csvNA are pandas.read_csv's default missing-value markers.
var csvNA = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// csvErr words a CSV problem as MLflow's parse_csv_input does.
func csvErr(format string, args ...any) error {
	return inputErr("Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted "+
		"Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. Error: '%s'", inputErr(format, args...))
}

// decodeCSV reads a CSV body with a header row into a named Table, typing
// each column as pandas.read_csv does: a column whose values all read as
// numbers holds numbers, one of True/False values booleans, and any other
// column strings; pandas' missing markers ("", NA, NaN, null, ...) are
// missing values. An unnamed header cell is "Unnamed: i", as pandas names
// the index column DataFrame.to_csv writes. A row whose field count
// differs from the header's is an error (pandas pads short rows).
func decodeCSV(body []byte) (Input, error) {
	if !utf8.Valid(body) {
		return Input{}, inputErr("the body is not valid UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return Input{}, csvErr("No columns to parse from file")
	}
	if err != nil {
		return Input{}, csvErr("%v", err)
	}
	cols, err := csvColumns(header)
	if err != nil {
		return Input{}, err
	}
	fields, rows, err := csvRows(r, len(cols))
	if err != nil {
		return Input{}, err
	}
	t := &Table{Columns: cols, Rows: rows, Width: len(cols), Cells: make([]Cell, len(fields))}
	for j := range cols {
		typeCSVColumn(t, fields, j)
	}
	return Input{Table: t}, nil
}

func csvColumns(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := make(map[string]bool, len(header))
	for j, h := range header {
		if h == "" {
			h = "Unnamed: " + strconv.Itoa(j)
		}
		if seen[h] {
			return nil, csvErr("duplicate column %q", h)
		}
		seen[h] = true
		cols[j] = h
	}
	return cols, nil
}

// csvRows reads the data rows, row-major.
func csvRows(r *csv.Reader, w int) ([]string, int, error) {
	var fields []string
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, csvErr("%v", err)
		}
		if len(rec) != w {
			line, _ := r.FieldPos(0)
			return nil, 0, csvErr("Expected %d fields in line %d, saw %d", w, line, len(rec))
		}
		if err := checkCells("text/csv", rows+1, w); err != nil {
			return nil, 0, err
		}
		fields = append(fields, rec...)
		rows++
	}
	if rows == 0 {
		return nil, 0, inputErr("text/csv: no rows")
	}
	return fields, rows, nil
}

// typeCSVColumn fills column j of t from its fields.
func typeCSVColumn(t *Table, fields []string, j int) {
	numeric, boolean := true, true
	for i := j; i < len(fields); i += t.Width {
		f := fields[i]
		if csvNA[f] {
			continue
		}
		_, isNum := csvNumber(f)
		_, isBool := csvBool(f)
		numeric, boolean = numeric && isNum, boolean && isBool
	}
	for i := j; i < len(fields); i += t.Width {
		f := fields[i]
		switch {
		case csvNA[f]:
		case numeric:
			n, _ := csvNumber(f)
			t.Cells[i] = Cell{Kind: Number, Num: n}
		case boolean:
			b, _ := csvBool(f)
			t.Cells[i] = Cell{Kind: Bool, Num: b}
		default:
			t.Cells[i] = Cell{Kind: String, Str: f}
		}
	}
}

// csvNumber reads a decimal number as pandas' parser does: surrounding
// blanks allowed, hexadecimal and digit separators not.
func csvNumber(f string) (float64, bool) {
	s := strings.TrimSpace(f)
	if strings.ContainsAny(s, "xX_") {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil || errors.Is(err, strconv.ErrRange)
}

func csvBool(f string) (float64, bool) {
	switch f {
	case "True", "TRUE", "true":
		return 1, true
	case "False", "FALSE", "false":
		return 0, true
	}
	return 0, false
}
