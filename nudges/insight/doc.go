// Package insight turns what nudgebot has recorded — nudges delivered,
// managers' replies, learners' first applications — into the figures L&D
// reads: reach, first application against target, coaching minutes,
// pledges, red flags, bright spots, how useful each nudge is, and hold-out
// experiments.
//
// It is pure: no I/O and no clock. Facts go into a Book one at a time, in
// any order, and the Book keeps only running aggregates (per manager and
// week, per team, per cadence), so a store can keep one up to date as it
// writes and a report never rescans the logs. The figures come out as plain
// data types that the chat digest, the report command and a web dashboard
// all render, and every reader gets them through For, which applies the
// privacy rules (minimum group size, red flags never in a channel) once.
package insight
