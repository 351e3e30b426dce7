package store

import "syscall"

// ReleaseMapped tells the kernel this process no longer needs the pages of
// the data file it has mapped so far. bbolt reads the file through a
// shared read-only mapping, and every page read stays in the process's
// resident set: an import's random inserts into the statement index read
// pages all over the file, so without this the process's RSS grows with
// the file, not with the work at hand. The pages stay in the page cache
// (the kernel's, shared, reclaimable) and a later read maps them again
// without I/O; the file's content is untouched.
//
// Safe inside any transaction: bbolt remaps the file only while no
// transaction but the writer's runs, and only during its commit, so the
// mapping cannot move under the call.
func (t *Tx) ReleaseMapped() {
	info := t.tx.DB().Info()
	size := t.tx.Size() // the file's pages, all within the mapping
	if info.Data == 0 || size <= 0 {
		return
	}
	// The address is bbolt's mapping, not Go memory: no unsafe.Pointer is
	// made of it. A failure only leaves the pages mapped.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(size), syscall.MADV_DONTNEED)
}
