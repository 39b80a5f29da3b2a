package experiments

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// Runs are read by primary key from their copies (run_data_copy.go),
// which SQLite hands over as one JSON document per run. modernc's driver
// pays for every column it returns (a locked call into SQLite and a copy
// each), and one text column per run costs a fraction of the fourteen it
// replaces.

// runDocSQL reads the copies of the runs whose keys are listed, as a JSON
// array, in its argument: run_pk and [info, metrics, params, tags,
// inputs].
const runDocSQL = `SELECT run_pk, '[' || info || ',' || metrics || ',' || params || ',' || tags || ',' || inputs || ']'
	FROM run_data WHERE run_pk IN (SELECT value FROM json_each(?))`

// loadChunk is how many runs one runDocSQL query reads.
const loadChunk = 128

// docStmt is runDocSQL, prepared once for the read pool (database/sql
// prepares it again on each connection that runs it, once).
type docStmt struct {
	mu   sync.Mutex
	stmt *sql.Stmt
}

func (s *Service) runDocStmt(ctx context.Context) (*sql.Stmt, error) {
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	if s.docs.stmt == nil {
		st, err := s.db.Read.PrepareContext(ctx, runDocSQL)
		if err != nil {
			return nil, err
		}
		s.docs.stmt = st
	}
	return s.docs.stmt, nil
}

// runLoader reads runs chunk by chunk into one list, in the order asked.
// One goroutine at a time.
type runLoader struct {
	s     *Service
	pks   []int64
	runs  []Run
	links [][]inputLink
	state []loadState
}

type loadState uint8

const (
	notRead loadState = iota // no copy: read from the tables, if the run exists
	loaded
)

// read appends the runs of pks, at most loadChunk of them.
func (l *runLoader) read(ctx context.Context, pks []int64) error {
	n := len(l.runs)
	l.pks = append(l.pks, pks...)
	l.runs = append(l.runs, make([]Run, len(pks))...)
	l.links = append(l.links, make([][]inputLink, len(pks))...)
	l.state = append(l.state, make([]loadState, len(pks))...)
	idx := make(map[int64]int, len(pks))
	list := make([]byte, 0, 8*len(pks)+2)
	list = append(list, '[')
	for i, pk := range pks {
		idx[pk] = n + i
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, pk, 10)
	}
	list = append(list, ']')
	stmt, err := l.s.runDocStmt(ctx)
	if err != nil {
		return err
	}
	rows, err := stmt.QueryContext(ctx, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pk int64
		var doc string
		if err := rows.Scan(&pk, &doc); err != nil {
			return err
		}
		i, ok := idx[pk]
		if !ok {
			return fmt.Errorf("run data: unexpected run %d", pk)
		}
		links, err := decodeRunDoc(doc, &l.runs[i])
		if err != nil {
			return fmt.Errorf("run %d: corrupt run data: %w", pk, err)
		}
		l.links[i], l.state[i] = links, loaded
	}
	return rows.Err()
}

// finish completes the runs read: it reads runs without a copy from the
// tables, drops runs that do not exist and attaches the datasets of
// inputs. It returns the first limit runs (all if limit < 0) and whether
// there were more.
func (l *runLoader) finish(ctx context.Context, limit int) ([]Run, bool, error) {
	if err := l.readUncopied(ctx); err != nil {
		return nil, false, err
	}
	runs, links := l.runs, l.links
	if slices.Contains(l.state, notRead) {
		runs, links = nil, nil
		for i, st := range l.state {
			if st == loaded {
				runs, links = append(runs, l.runs[i]), append(links, l.links[i])
			}
		}
	}
	more := limit >= 0 && len(runs) > limit
	if more {
		runs, links = runs[:limit], links[:limit]
	}
	return runs, more, l.s.attachDatasets(ctx, runs, links)
}

// readUncopied reads runs without a copy from the tables. Every write
// keeps the copy, so this is for runs written by hand.
func (l *runLoader) readUncopied(ctx context.Context) error {
	var pks []int64
	at := map[int64]int{}
	for i, st := range l.state {
		if st == notRead {
			pks = append(pks, l.pks[i])
			at[l.pks[i]] = i
		}
	}
	rows, err := l.s.runRows(ctx, pks)
	for start := 0; err == nil && start < len(rows); start += maxInList {
		chunk := rows[start:min(start+maxInList, len(rows))]
		var runs []Run
		runs, err = l.s.loadRunDataFromTables(ctx, chunk)
		for j, r := range runs {
			i := at[chunk[j].pk]
			l.runs[i], l.state[i] = r, loaded
		}
	}
	return err
}

// loadRuns reads runs by primary key, in that order; keys of runs that
// do not exist are skipped.
func (s *Service) loadRuns(ctx context.Context, pks []int64) ([]Run, error) {
	l := runLoader{s: s}
	for start := 0; start < len(pks); start += loadChunk {
		if err := l.read(ctx, pks[start:min(start+loadChunk, len(pks))]); err != nil {
			return nil, err
		}
	}
	runs, _, err := l.finish(ctx, -1)
	return runs, err
}

// attachDatasets fills the runs' inputs from their links, reading each
// dataset once.
func (s *Service) attachDatasets(ctx context.Context, runs []Run, links [][]inputLink) error {
	byPK := map[int64]*Dataset{}
	var args []any
	for _, ls := range links {
		for _, l := range ls {
			if _, ok := byPK[l.datasetPK]; !ok {
				byPK[l.datasetPK] = nil
				args = append(args, l.datasetPK)
			}
		}
	}
	for start := 0; start < len(args); start += maxInList {
		chunk := args[start:min(start+maxInList, len(args))]
		err := s.eachRow(ctx, `SELECT dataset_pk, name, digest, source_type, source, schema, profile FROM datasets WHERE dataset_pk IN (`+placeholders(len(chunk))+`)`, chunk,
			func(scan func(...any) error) error {
				var pk int64
				var d Dataset
				if err := scan(&pk, &d.Name, &d.Digest, &d.SourceType, &d.Source, &d.Schema, &d.Profile); err != nil {
					return err
				}
				byPK[pk] = &d
				return nil
			})
		if err != nil {
			return err
		}
	}
	for i, ls := range links {
		for _, l := range ls {
			d := byPK[l.datasetPK]
			if d == nil {
				return fmt.Errorf("run %s: input dataset %d not found", runs[i].Info.RunID, l.datasetPK)
			}
			runs[i].Inputs = append(runs[i].Inputs, DatasetInput{Tags: l.tags, Dataset: *d})
		}
	}
	return nil
}

// maxInList bounds the values of one IN (...) list, under SQLite's limit
// of 32,766 variables per statement.
const maxInList = 10000

// eachRow runs a read query and calls fn for every row.
func (s *Service) eachRow(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
