package localfs

import (
	"strings"

	"github.com/paddockml/paddock/artifact"
)

// keyDir returns the directory, relative to the root, that holds the
// object of key and the objects below it ("" gives the objects directory).
func keyDir(key string) string {
	if key == "" {
		return objectsDir
	}
	return objectsDir + "/" + artifact.EscapeKey(key)
}

// objectPath returns the file, relative to the root, that holds key.
func objectPath(key string) string {
	return objectsDir + "/" + artifact.ObjectName(key)
}

// keyOfPath inverts objectPath; false for files that hold no object.
func keyOfPath(name string) (string, bool) {
	rel, ok := strings.CutPrefix(name, objectsDir+"/")
	if !ok {
		return "", false
	}
	return artifact.KeyOfObjectName(rel)
}
