package localfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/artifact/artifacttest"
)

func TestContract(t *testing.T) {
	artifacttest.Run(t, func(t *testing.T) artifacttest.Harness {
		dir := t.TempDir()
		s := openStore(t, dir)
		return artifacttest.Harness{
			Store:     s,
			Tamper:    func(t *testing.T, key string) { flipByte(t, dir, key, 0) },
			PutMemory: copyBufferSize,
		}
	})
}

// openStore opens a store on dir and closes it when the test ends.
func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// objectFile returns the path of key's object file in a store rooted at dir.
func objectFile(dir, key string) string {
	return filepath.Join(dir, filepath.FromSlash(objectPath(key)))
}

// flipByte inverts the byte at off in key's object file.
func flipByte(t *testing.T, dir, key string, off int64) {
	t.Helper()
	f, err := os.OpenFile(objectFile(dir, key), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
