// Package nudges is nudgebot's domain: programs and their phases, managers'
// working calendars, cadences and the occurrences they produce in each
// manager's local time, check-in scripts, the platform-neutral message model,
// and the few metrics L&D reads.
//
// It is pure: no I/O and no clock reads. Every function that needs the time
// takes it as an argument, so the dry-run plan and the live scheduler are the
// same code, and tests pin any instant they like.
package nudges
