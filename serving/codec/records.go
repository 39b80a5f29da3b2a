package codec

import (
	"bytes"

	"github.com/valyala/fastjson"
)

// recordsTable decodes rows given as objects ([{"a": 1, "b": "x"}, ...]).
// The columns are the union of the records' keys in order of first
// appearance, and a record without one of them has a missing value
// there, as pandas.DataFrame(records) builds MLflow's dataframe_records.
// A key repeated inside one record is an error.
func (d *decoder) recordsTable(what string, rows []*fastjson.Value) (*Table, error) {
	if len(rows) == 0 {
		return nil, inputErr("%s: no rows", what)
	}
	var one [1]*fastjson.Object
	objs := one[:]
	if len(rows) > 1 {
		objs = make([]*fastjson.Object, len(rows))
	}
	for i, r := range rows {
		o, err := r.Object()
		if err != nil {
			return nil, inputErr("%s: row %d is %s, not a record", what, i, jsonType(r))
		}
		objs[i] = o
	}
	names := newKeyList(objs[0].Len())
	if err := collectKeys(what, objs, &names); err != nil {
		return nil, err
	}
	w := len(names.keys)
	if w == 0 {
		return nil, inputErr("%s: the records have no keys", what)
	}
	if err := checkCells(what, len(rows), w); err != nil {
		return nil, err
	}
	t := &Table{Columns: names.strings(), Rows: len(rows), Width: w, Cells: make([]Cell, len(rows)*w)}
	for i, o := range objs {
		if err := d.fillRecord(what, i, o, &names, t.Cells[i*w:(i+1)*w]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// collectKeys gathers the records' keys into names and rejects a key
// repeated within one record. In the first record every key found again
// is a repeat; later records mark the keys they have seen.
func collectKeys(what string, objs []*fastjson.Object, names *keyList) error {
	var seen []int32
	var err error
	for i, o := range objs {
		if i == 1 {
			seen = make([]int32, len(names.keys), len(names.keys)+8)
		}
		pos := 0
		o.Visit(func(k []byte, _ *fastjson.Value) {
			if err != nil {
				return
			}
			j := names.find(k, pos)
			pos++
			switch {
			case j < 0 && i == 0:
				names.add(k)
				return
			case j < 0:
				j = names.add(k)
				seen = append(seen, 0)
			case i == 0 || seen[j] == int32(i):
				err = inputErr("%s: row %d: duplicate key %q", what, i, k)
				return
			}
			seen[j] = int32(i)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fillRecord writes one record's values into its row of cells.
func (d *decoder) fillRecord(what string, i int, o *fastjson.Object, names *keyList, row []Cell) error {
	var err error
	pos := 0
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		j := names.find(k, pos)
		pos++
		if !d.setCell(&row[j], v) {
			err = inputErr("%s: row %d, column %q: %s", what, i, k, badCell(v))
		}
	})
	return err
}

// keyList collects column names while decoding. The names share one
// backing string, so a 20-column record costs a few allocations rather
// than one per name; a hash of each name makes lookups cheap without a
// map, which would allocate a string per key.
type keyList struct {
	buf  []byte
	keys []keyEntry
	// index replaces the scan of hashes past mapAfter names, so that a
	// record with a hundred thousand keys costs linear time, not square.
	index map[string]int
}

type keyEntry struct {
	end  int // of the name in buf
	hash uint64
}

const mapAfter = 64

func newKeyList(n int) keyList {
	return keyList{buf: make([]byte, 0, 8*n), keys: make([]keyEntry, 0, n)}
}

func (l *keyList) at(i int) []byte {
	start := 0
	if i > 0 {
		start = l.keys[i-1].end
	}
	return l.buf[start:l.keys[i].end]
}

// find returns the index of k, or -1. hint is where k probably is:
// records usually list their keys in the same order.
func (l *keyList) find(k []byte, hint int) int {
	if hint < len(l.keys) && bytes.Equal(l.at(hint), k) {
		return hint
	}
	if l.index != nil {
		if i, ok := l.index[string(k)]; ok {
			return i
		}
		return -1
	}
	h := hashKey(k)
	for i, e := range l.keys {
		if e.hash == h && bytes.Equal(l.at(i), k) {
			return i
		}
	}
	return -1
}

func (l *keyList) add(k []byte) int {
	l.buf = append(l.buf, k...)
	l.keys = append(l.keys, keyEntry{end: len(l.buf), hash: hashKey(k)})
	n := len(l.keys)
	switch {
	case l.index != nil:
		l.index[string(k)] = n - 1
	case n > mapAfter:
		l.index = make(map[string]int, 2*n)
		for i := range n {
			l.index[string(l.at(i))] = i
		}
	}
	return n - 1
}

// strings returns the names as strings sharing one allocation.
func (l *keyList) strings() []string {
	all := string(l.buf)
	out := make([]string, len(l.keys))
	start := 0
	for i, e := range l.keys {
		out[i] = all[start:e.end]
		start = e.end
	}
	return out
}

// hashKey is FNV-1a, enough to tell column names apart before comparing.
func hashKey(k []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
