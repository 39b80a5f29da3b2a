package artifact

import "strings"

// dataName is the last segment of every object name (see ObjectName). No
// escaped key segment equals it: escaped segments never start with a
// single "@".
const dataName = "@data"

// ObjectName returns the slash-separated name under which a backend stores
// the content of key, which must be valid: the escaped key (see EscapeKey)
// followed by "/@data". Every key thus becomes a directory of its own, so
// no object's name is a directory on the way to another's: "a/b" is stored
// as "a/b/@data" and "a/b/c" as "a/b/c/@data". File systems need this to
// hold both, and so does MinIO, which cannot list the keys below a name
// that is itself an object (minio/minio#18120).
func ObjectName(key string) string {
	return EscapeKey(key) + "/" + dataName
}

// EscapeKey returns key with one more "@" in front of each segment that
// starts with "@", which keeps "@data" and every other name that starts
// with a single "@" free for the backends. It is also the directory that
// holds the objects below key.
func EscapeKey(key string) string {
	if !strings.Contains(key, "@") {
		return key
	}
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "@") {
			segs[i] = "@" + seg
		}
	}
	return strings.Join(segs, "/")
}

// KeyOfObjectName inverts ObjectName. It reports false for names that
// ObjectName never returns, such as stray files placed beside objects.
func KeyOfObjectName(name string) (string, bool) {
	escaped, ok := strings.CutSuffix(name, "/"+dataName)
	if !ok {
		return "", false
	}
	segs := strings.Split(escaped, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "@") {
			if !strings.HasPrefix(seg, "@@") {
				return "", false
			}
			segs[i] = seg[1:]
		}
	}
	key := strings.Join(segs, "/")
	return key, ValidateKey(key) == nil
}

// ProxiedRoot is where the store keeps the files of MLflow's proxied
// artifact API: mlflow-artifacts:/<path> is the key ProxiedRoot/<path>.
// The tracking server, the registry and training jobs all resolve
// artifact URIs through it.
const ProxiedRoot = "mlartifacts"

// ProxiedKey returns the store key of an mlflow-artifacts path (without
// its scheme; surrounding slashes ignored). It does not validate the key.
func ProxiedKey(p string) string {
	if p = strings.Trim(p, "/"); p != "" {
		return ProxiedRoot + "/" + p
	}
	return ProxiedRoot
}
