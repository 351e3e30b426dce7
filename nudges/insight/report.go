package insight

import (
	"github.com/nudgebot/nudgebot/nudges"
)

// Report is every figure of one program over a date range. Its fields are
// plain data for JSON, CSV, chat and a dashboard alike; what each reader
// may see is cut out by For.
type Report struct {
	Program  string      `json:"program"`
	From     nudges.Date `json:"from"`
	To       nudges.Date `json:"to"`
	MinGroup int         `json:"min_group"`

	Reach    Reach            `json:"reach"`
	Weeks    []WeekReach      `json:"weeks"`
	Cadences []Effect         `json:"cadences"`
	Teams    []TeamFigures    `json:"teams"`
	Managers []ManagerFigures `json:"managers"` // by manager id
	Flags    []Flag           `json:"flags"`
	Spots    []Spot           `json:"spots"`

	Experiments []Comparison `json:"experiments,omitempty"`
}

// Reach counts managers over the whole range.
type Reach struct {
	Managers   int     `json:"managers"`  // taking part (leading a team in the program)
	Nudged     int     `json:"nudged"`    // with a nudge delivered
	Answered   int     `json:"answered"`  // who answered at least one
	Coached    int     `json:"coached"`   // with a check-in logged
	Delivered  int     `json:"delivered"` // nudges delivered
	Replied    int     `json:"replied"`   // of them, answered
	AnswerRate float64 `json:"answer_rate"`
}

// WeekReach is Reach for one program week.
type WeekReach struct {
	Week     int `json:"week"`
	Nudged   int `json:"nudged"`
	Answered int `json:"answered"`
	Coached  int `json:"coached"`
	Minutes  int `json:"minutes"`
}

// TeamFigures is one team's first application: the share of its learners
// whose module is at least two weeks old (or who already applied) seen
// applying within two weeks of it.
type TeamFigures struct {
	Team    string `json:"team"`
	Name    string `json:"name"`
	Manager string `json:"manager"`
	// Counted is how many learners the share is over; the minimum group
	// size applies to it.
	Counted int     `json:"counted"`
	Applied int     `json:"applied"`
	Share   float64 `json:"share"`
	Target  float64 `json:"target"`
	// LastWeek is the share as it stood seven days before To (−1 when no
	// learner counted then), for "most improved".
	LastWeek float64 `json:"last_week"`
	// Hidden says the figures were withheld from this reader: the group is
	// below the minimum size. Counts and shares are then zero.
	Hidden bool `json:"hidden,omitempty"`
}

// ManagerFigures is one manager's coaching over the range.
type ManagerFigures struct {
	Manager       string  `json:"manager"`
	Weeks         int     `json:"weeks"`    // active weeks (nudged or replied)
	Minutes       int     `json:"minutes"`  // coaching minutes logged
	PerWeek       float64 `json:"per_week"` // minutes per active week
	Target        int     `json:"target"`   // minutes per week
	WeeksOnTarget int     `json:"weeks_on_target"`
	CheckIns      int     `json:"checkins"`
	Streak        int     `json:"streak"`      // active weeks in a row with a check-in, to the last
	Pledges       int     `json:"pledges"`     // pledge reviews
	KeptRate      float64 `json:"kept_rate"`   // partly counts half
	KeptStreak    int     `json:"kept_streak"` // pledges kept in a row, to the last
	// Hold is where the fatigue guardrail stands for the manager: asked
	// (nudges held after several went unanswered), pause, stop, or keep.
	Hold string `json:"hold,omitempty"`
}

// Effect is how one cadence's nudges (with one script) landed.
type Effect struct {
	Cadence    string      `json:"cadence"`
	Script     string      `json:"script,omitempty"`
	Kind       nudges.Kind `json:"kind"`
	Delivered  int         `json:"delivered"`
	Answered   int         `json:"answered"`
	AnswerRate float64     `json:"answer_rate"`
	// MedianAnswer is the median time from delivery to the first answer,
	// in seconds (0 when none was answered).
	MedianAnswer int64    `json:"median_answer_seconds"`
	Useful       int      `json:"useful"`
	NotUseful    int      `json:"not_useful"`
	UsefulShare  Interval `json:"useful_share"` // Wilson 95 %
	Skips        []Count  `json:"skips,omitempty"`
	// FollowedBy is the share of delivered nudges after which one of the
	// manager's learners applied the program within two weeks.
	FollowedBy float64 `json:"followed_by_application"`
}

// Interval is an estimate with a 95 % confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Count is a label and how often it occurred.
type Count struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// FlagKind says what a red flag is about.
type FlagKind string

// The red flags.
const (
	FlagMissedCheckIns FlagKind = "missed_checkins"      // two check-ins in a row missed
	FlagBrokenPledges  FlagKind = "broken_pledges"       // two pledges in a row not kept
	FlagNoApplication  FlagKind = "no_first_application" // a team with none two weeks after its module
	FlagUnreachable    FlagKind = "unreachable"          // deliveries to the manager fail
	FlagIgnoring       FlagKind = "ignoring"             // nudges left unanswered, several in a row
)

// Flag is a red flag: something L&D may want to follow up. Flags name
// people, so they reach L&D and the manager concerned, never a channel.
type Flag struct {
	Kind    FlagKind `json:"kind"`
	Manager string   `json:"manager"`
	Team    string   `json:"team,omitempty"` // team flags
	N       int      `json:"n"`              // how many in a row, or learners counted
}

// SpotKind says what a bright spot is about.
type SpotKind string

// The bright spots.
const (
	SpotStreak      SpotKind = "streak"        // four weeks or more of check-ins, or pledges kept
	SpotAboveTarget SpotKind = "above_target"  // a team at or above the first-application target
	SpotImproved    SpotKind = "most_improved" // the team whose share rose most in the last week
	SpotSharedWin   SpotKind = "shared_win"    // a win the manager agreed to share
)

// Spot is a bright spot.
type Spot struct {
	Kind    SpotKind `json:"kind"`
	Manager string   `json:"manager"`
	Team    string   `json:"team,omitempty"`
	N       int      `json:"n,omitempty"`     // weeks or pledges in a row
	Share   float64  `json:"share,omitempty"` // teams: the share, or the rise for most improved
	Text    string   `json:"text,omitempty"`  // shared wins
}
