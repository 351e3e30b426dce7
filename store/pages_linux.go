package store

import "syscall"

// ReleasePages says a long scan is done with the data file's pages it
// read: they stay in the kernel's page cache, ready for the next reader,
// but leave this process's resident memory. A scan of a million logs
// maps the whole file; without this the bot's resident size would carry
// it until the kernel needs the memory back.
//
// It is safe because the file is mapped read-only and shared, and written
// through the file, not the mapping: a page dropped is read back in on
// the next access. The transaction open around it keeps the mapping from
// being moved while the advice runs.
func (t *Tx) ReleasePages() {
	size := t.tx.Size()
	if size <= 0 {
		return
	}
	// A raw call: the mapping's address comes as a number, and turning it
	// back into a pointer is what the unsafe rules forbid.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, t.tx.DB().Info().Data, uintptr(size), syscall.MADV_DONTNEED)
}
