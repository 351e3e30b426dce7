//go:build !linux

package store

// ReleaseMapped is a no-op where the kernel is not known to drop mapped
// file pages on request; see the Linux version.
func (t *Tx) ReleaseMapped() {}
