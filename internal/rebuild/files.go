package rebuild

import "os"

// fileOps are the file-system calls that make a swap durable; the swap
// tests replace files with a recorder that models a power loss.
type fileOps interface {
	writeFile(path string, data []byte) error
	sync(path string) error // fsync a file or a directory
	rename(from, to string) error
	remove(path string) error
}

var files fileOps = osFiles{}

type osFiles struct{}

func (osFiles) writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
func (osFiles) rename(from, to string) error             { return os.Rename(from, to) }
func (osFiles) remove(path string) error                 { return os.Remove(path) }

func (osFiles) sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
