package bot

import (
	"fmt"
	"sync"
	"time"

	"github.com/nudgebot/nudgebot/config"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// compose writes the message for an outbox item from the roster and what the
// store remembers, at send time, so a reminder sent on Thursday knows about
// the check-in logged on Wednesday. A non-empty skip means there is nothing
// worth sending (e.g. every learner has already applied the assignment).
func (e *Engine) compose(tx *store.Tx, cfg *config.Config, it *store.Item) (msg nudges.Message, skip string, err error) {
	m := cfg.Manager(it.Manager)
	if m == nil {
		return msg, "", fmt.Errorf("manager %s: %w", it.Manager, errNoLongerOnRoster)
	}
	prog := cfg.Program(it.Program)
	if prog == nil && len(m.Programs) > 0 {
		prog = cfg.Program(m.Programs[0])
	}
	if prog == nil {
		return msg, "", fmt.Errorf("program %q: %w", it.Program, errNoLongerOnRoster)
	}
	now := e.now()
	today := nudges.DateOf(now.In(m.Calendar.Location))
	if it.Kind == nudges.KindHold {
		st, err := tx.ManagerState(m.ID)
		if err != nil {
			return msg, "", err
		}
		return nudges.HoldMessage(it.ID, st.Ignored), "", nil
	}
	switch it.Kind {
	case nudges.KindSummary:
		return e.composeSummary(tx, cfg, m, prog, it, now)
	case nudges.KindShoutOut:
		return e.composeShoutOut(tx, cfg, m, it)
	case nudges.KindDigest:
		return e.composeDigest(tx, cfg, m, prog, it, now)
	}
	st, err := tx.ManagerState(m.ID)
	if err != nil {
		return msg, "", err
	}
	c := nudges.Context{Nudge: it.ID, Kind: it.Kind, Manager: m, Program: prog, Today: today,
		Reminder: it.Reminder, Streak: st.Streak, Members: membersOf(cfg, m.ID)}
	if cad := cfg.Cadence(it.Cadence); cad != nil && cad.AbsentFor > 0 {
		days, absent := absence(st, prog, m, now, cad.AbsentFor)
		if !absent {
			return msg, "a check-in was logged recently enough (absent_for)", nil
		}
		c.AbsentDays = days
	}
	if st.Pledge != nil && !st.Pledge.Reviewed {
		c.Pledge = st.Pledge.Text
	}
	if r := st.LastCheckIn; r != nil {
		c.LastAction = &nudges.Recall{Member: memberName(cfg, r.Member), Action: r.Action, Review: r.Review}
	}
	for _, id := range Learners(it.Learner) {
		if t := cfg.TeamOfMember(id); t != nil {
			for i := range t.Members {
				if t.Members[i].ID != id {
					continue
				}
				if c.Learner == nil {
					c.Learner = &t.Members[i]
				} else {
					c.Others = append(c.Others, &t.Members[i]) // a coalesced nudge
				}
			}
		}
		c.Module = it.Module
	}
	if err := followUp(tx, cfg, it, &c); err != nil {
		return msg, "", err
	}
	switch it.Kind {
	case nudges.KindCheckIn:
		if it.Reminder > 0 {
			c.Coached, c.Peers = e.socialProof(tx, cfg, prog, today)
		}
		c.Script = cfg.Scripts[it.Script]
		if c.Script == nil {
			c.Script = anyScript(cfg)
		}
		if c.Script == nil {
			return msg, "", fmt.Errorf("no check-in script configured")
		}
	case nudges.KindAssignment:
		due := prog.AssignmentsDue(prog.Week(today))
		if len(due) == 0 {
			return msg, "no micro-assignment handed out yet", nil
		}
		c.Assignment = &due[0]
		for _, mb := range c.Members {
			fa, err := tx.FirstApplication(prog.ID, mb.ID)
			if err != nil {
				return msg, "", err
			}
			if fa == nil {
				c.Pending = append(c.Pending, mb)
			}
		}
		if len(c.Pending) == 0 {
			return msg, "every learner has already applied the program", nil
		}
	}
	return nudges.Compose(c), "", nil
}

func (e *Engine) composeSummary(tx *store.Tx, cfg *config.Config, m *nudges.Manager, prog *nudges.Program, it *store.Item, now time.Time) (nudges.Message, string, error) {
	team := teamOf(cfg, m.ID, it.Team)
	if team == nil {
		return nudges.Message{}, "", fmt.Errorf("team %q: %w", it.Team, errNoLongerOnRoster)
	}
	p, err := e.progress(tx, cfg, m, prog, team, now)
	if err != nil {
		return nudges.Message{}, "", err
	}
	msg := nudges.ManagerSummary(p)
	if it.Channel != "" {
		msg = nudges.TeamSummary(p)
	}
	msg.Nudge = it.ID
	return msg, "", nil
}

// progress measures a team's week: first applications, and the manager's
// logs since the start of their local week (Monday).
func (e *Engine) progress(tx *store.Tx, cfg *config.Config, m *nudges.Manager, prog *nudges.Program, team *nudges.Team, now time.Time) (nudges.Progress, error) {
	today := nudges.DateOf(now.In(m.Calendar.Location))
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	var week []nudges.Entry
	var pledge, reviewed string
	err := tx.LogsBetween(m.ID, m.Calendar.At(monday, 0), now.Add(time.Nanosecond), func(l *store.Log) error {
		week = append(week, nudges.Entry{Kind: l.Kind, Learner: l.Learner, Minutes: l.Minutes,
			Win: l.Answers[nudges.FieldWin], Shared: l.Answers[nudges.FieldShare] == "yes"})
		if l.Kind == string(nudges.KindPledge) {
			pledge, reviewed = l.Answers[nudges.FieldPledge], l.Answers[nudges.FieldKept]
		}
		return nil
	})
	if err != nil {
		return nudges.Progress{}, err
	}
	var ferr error
	p := nudges.Measure(team, func(learner string) bool {
		fa, err := tx.FirstApplication(prog.ID, learner)
		if err != nil {
			ferr = err
		}
		return fa != nil
	}, week)
	if ferr != nil {
		return p, ferr
	}
	st, err := tx.ManagerState(m.ID)
	if err != nil {
		return p, err
	}
	p.Program, p.Today, p.Manager, p.Targets = prog, today, m, cfg.Targets
	p.Streak, p.Pledged, p.Kept, p.Partly = st.Streak, st.Pledged, st.Kept, st.Partly
	p.PledgeThisWeek, p.PledgeReviewedThisWeek = pledge, reviewed
	return p, nil
}

func (e *Engine) composeShoutOut(tx *store.Tx, cfg *config.Config, m *nudges.Manager, it *store.Item) (nudges.Message, string, error) {
	l, err := tx.LogByReply(it.Log)
	if err != nil || l == nil {
		return nudges.Message{}, "", fmt.Errorf("shout-out for log %q: not found (%v)", it.Log, err)
	}
	team := teamOf(cfg, m.ID, it.Team)
	if team == nil {
		return nudges.Message{}, "", fmt.Errorf("team %q: %w", it.Team, errNoLongerOnRoster)
	}
	msg := nudges.ShoutOutMessage(team, m, memberName(cfg, l.Learner), l.Answers[nudges.FieldWin])
	msg.Nudge = it.ID
	return msg, "", nil
}

// socialProof counts the program's managers and how many logged a check-in
// this week, for a reminder; nothing when the program has fewer managers
// than the minimum group size (a count over three people points at them).
func (e *Engine) socialProof(tx *store.Tx, cfg *config.Config, prog *nudges.Program, today nudges.Date) (coached, peers int) {
	peers = e.peers.count(cfg, prog.ID)
	if peers < nudges.MinGroupOf(cfg.Targets) {
		return 0, 0
	}
	return tx.Coached(prog.ID, mondayOf(today).String()), peers
}

// peerCache counts each program's managers once per configuration: a
// batch of reminders should not walk a roster of 100,000 for each.
type peerCache struct {
	mu     sync.Mutex
	cfg    *config.Config
	counts map[string]int
}

func (p *peerCache) count(cfg *config.Config, program string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg != cfg {
		p.cfg, p.counts = cfg, map[string]int{}
		for _, m := range cfg.Managers {
			for _, id := range m.Programs {
				p.counts[id]++
			}
		}
	}
	return p.counts[program]
}

// absence says for how many days manager m has logged no check-in (since
// the last one, or since the program's launch), and whether that is at
// least d. It is read when the nudge goes out, so a check-in logged after
// the nudge was queued still stops it.
func absence(st store.ManagerState, prog *nudges.Program, m *nudges.Manager, now time.Time, d time.Duration) (int, bool) {
	since := m.Calendar.At(prog.Launch, 0)
	if r := st.LastCheckIn; r != nil && r.At.After(since) {
		since = r.At
	}
	gap := now.Sub(since)
	return int(gap / (24 * time.Hour)), gap >= d
}

func membersOf(cfg *config.Config, manager string) []nudges.Member {
	var out []nudges.Member
	for _, t := range cfg.TeamsOf(manager) {
		out = append(out, t.Members...)
	}
	return out
}

func memberName(cfg *config.Config, id string) string {
	if t := cfg.TeamOfMember(id); t != nil {
		for _, mb := range t.Members {
			if mb.ID == id {
				return mb.Name
			}
		}
	}
	return id
}

func anyScript(cfg *config.Config) *nudges.Script {
	for _, c := range cfg.Cadences {
		if s := cfg.Scripts[c.Script]; s != nil {
			return s
		}
	}
	for _, s := range cfg.Scripts {
		return s
	}
	return nil
}

func teamOf(cfg *config.Config, manager, id string) *nudges.Team {
	for _, t := range cfg.TeamsOf(manager) {
		if t.ID == id {
			return t
		}
	}
	return nil
}
