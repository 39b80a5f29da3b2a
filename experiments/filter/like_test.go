package filter

import (
	"math/rand/v2"
	"testing"
)

// likeMatch is MLflow's LIKE written out: % matches any run of
// characters, _ exactly one, everything else itself; no escape
// character. fold compares ASCII letters case-insensitively (ILIKE on
// SQLite).
func likeMatch(value, pattern string, fold bool) bool {
	v, p := []rune(value), []rune(pattern)
	// match[i][j]: v[i:] matches p[j:].
	match := make([][]bool, len(v)+1)
	for i := range match {
		match[i] = make([]bool, len(p)+1)
	}
	match[len(v)][len(p)] = true
	for i := len(v); i >= 0; i-- {
		for j := len(p) - 1; j >= 0; j-- {
			switch {
			case p[j] == '%':
				match[i][j] = match[i][j+1] || (i < len(v) && match[i+1][j])
			case i == len(v):
			case p[j] == '_' || p[j] == v[i] || (fold && asciiLower(p[j]) == asciiLower(v[i])):
				match[i][j] = match[i+1][j+1]
			}
		}
	}
	return match[0][0]
}

func asciiLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// TestLikeTranslation checks the SQL behind LIKE (GLOB over the
// translated pattern) and ILIKE (lower() LIKE lower()) against likeMatch
// on random values and patterns full of both languages' metacharacters
// and mixed case, in real SQLite.
func TestLikeTranslation(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	const alphabet = "aAbB%_[]*?\\^-!éÉ"
	letters := []rune(alphabet)
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		out := make([]rune, rng.IntN(n+1))
		for i := range out {
			out[i] = letters[rng.IntN(len(letters))]
		}
		return string(out)
	}
	// The SQL under test is stringCmp's own, applied to a one-row table.
	likeSQL, _ := stringCmp("x.v", Like, []string{""})
	ilikeSQL, _ := stringCmp("x.v", ILike, []string{""})
	stmt, err := db.Read.Prepare("SELECT " + likeSQL + ", " + ilikeSQL + " FROM (SELECT ? AS v) x")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	matches := 0
	for range 3000 {
		v, p := word(6), word(4)
		if rng.IntN(3) == 0 { // derive patterns from the value so that many match
			p = mutate(rng, v)
		}
		var glob, ilike bool
		_, likeArgs := stringCmp("x.v", Like, []string{p})
		_, ilikeArgs := stringCmp("x.v", ILike, []string{p})
		if err := stmt.QueryRow(likeArgs[0], ilikeArgs[0], v).Scan(&glob, &ilike); err != nil {
			t.Fatal(err)
		}
		if want := likeMatch(v, p, false); glob != want {
			t.Errorf("%q LIKE %q: SQL (GLOB %q) says %v, want %v", v, p, likeToGlob(p), glob, want)
		}
		if want := likeMatch(v, p, true); ilike != want {
			t.Errorf("%q ILIKE %q: SQL says %v, want %v", v, p, ilike, want)
		}
		if glob {
			matches++
		}
	}
	if matches < 300 {
		t.Errorf("only %d of 3000 random patterns matched: the test is too weak", matches)
	}
}

// mutate turns a value into a pattern: some characters become _ or %,
// some letters change case.
func mutate(rng *rand.Rand, v string) string {
	out := []rune{}
	for _, r := range v {
		switch rng.IntN(6) {
		case 0:
			out = append(out, '_')
		case 1:
			out = append(out, '%')
		case 2:
			out = append(out, []rune(swapCase(string(r)))...)
		default:
			out = append(out, r)
		}
	}
	return string(out)
}

func swapCase(s string) string {
	out := []rune(s)
	for i, r := range out {
		switch {
		case r >= 'a' && r <= 'z':
			out[i] = r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			out[i] = r - 'A' + 'a'
		}
	}
	return string(out)
}
