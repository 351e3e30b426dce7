package nudges

import "time"

// Overview is a manager's own week, for a home screen (Slack's App Home, a
// Teams personal tab): what is open, the pledge and streak, each team's
// progress against the targets, and recent wins.
type Overview struct {
	Manager  *Manager
	Context  string // program · week · phase
	Open     []OpenNudge
	Pledge   string // the current pledge, if any
	Streak   int
	KeptRate float64 // 0–1; meaningful when Pledged > 0
	Pledged  int
	Teams    []Progress
	Wins     []Win // recent wins, newest first
}

// OpenNudge is a nudge still waiting for the manager.
type OpenNudge struct {
	Nudge string
	Kind  Kind
	Title string
	Sent  time.Time
}
