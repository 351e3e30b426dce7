//go:build !unix

package store

import (
	"io"
	"os"
)

// mapFile reads the whole file where no portable mmap is at hand.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, err
	}
	return data, func() {}, nil
}
