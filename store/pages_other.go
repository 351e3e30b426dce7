//go:build !linux

package store

// ReleasePages does nothing here: see the Linux version.
func (t *Tx) ReleasePages() {}
