// Package filters holds what serving runs before a model scores a
// request: a response cache keyed by model version and canonical input,
// and rule filters that answer a request with a fixed output (seed 000:
// an out-of-office rule in front of an email-intent classifier).
//
// Inputs are decoded JSON, as encoding/json produces them with UseNumber:
// nil, bool, string, json.Number (or float64), []any and map[string]any,
// where a map is one row (column name to value) and a list holds rows or
// values. Rules look at one row; the cache and the prediction log key a
// whole input by its CanonicalDigest. Serving decodes a request once and
// hands the same value to both.
package filters
