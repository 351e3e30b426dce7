package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgebot/nudgebot/config"
)

// groups turns composed jobs into units of work: items that need nothing
// sent go straight to the settler; unsure items of one recipient travel
// together, so one look at the conversation answers for all of them; every
// other item goes alone.
func groups(jobs []job, results chan<- outcome) [][]job {
	var out [][]job
	unsureOf := map[Recipient]int{}
	for _, j := range jobs {
		if j.composeErr != nil || j.skip != "" || j.err != nil {
			results <- j.outcome // nothing to send
			continue
		}
		if !j.item.Unsure {
			out = append(out, []job{j})
			continue
		}
		to := j.to()
		if i, ok := unsureOf[to]; ok {
			out[i] = append(out[i], j)
			continue
		}
		unsureOf[to] = len(out)
		out = append(out, []job{j})
	}
	return out
}

// deliver sends one unit of work (see groups). Unsure items are looked up
// in the platform's history first: those found are recorded as delivered,
// never sent again. Nothing is started once ctx has ended.
func (e *Engine) deliver(ctx, sendCtx context.Context, cfg *config.Config, g []job, results chan<- outcome) {
	checked := false
	if g[0].item.Unsure {
		if rec, ok := e.chat.(Reconciler); ok {
			if ctx.Err() != nil {
				for _, j := range g {
					results <- j.with(attempt{verdict: untried})
				}
				return
			}
			ids := make([]string, len(g))
			since := g[0].item.ScheduledAt
			for i, j := range g {
				ids[i] = j.item.ID
				if j.item.ScheduledAt.Before(since) {
					since = j.item.ScheduledAt
				}
			}
			found, err := rec.Delivered(sendCtx, g[0].to(), ids, since.Add(-time.Hour))
			if err != nil {
				// Nothing was sent: the delivery's own backoff does not
				// grow, and the look is tried again within checkRetryMax
				// (the platform's pace for history reads keeps it from
				// becoming a tight loop).
				for _, j := range g {
					a := e.attemptOf(j, fmt.Errorf("cannot tell whether it was posted: %w", err))
					switch a.verdict {
					case throttled, untried:
					default:
						a.verdict, a.backoff = unchecked, min(backoff(max(j.item.Attempts, 1)), checkRetryMax)
					}
					results <- j.with(a)
				}
				return
			}
			rest := g[:0:0]
			for _, j := range g {
				if ref, ok := found[j.item.ID]; ok {
					results <- j.with(attempt{verdict: delivered, ref: ref})
					continue
				}
				rest = append(rest, j)
			}
			g, checked = rest, true
		}
	}
	for _, j := range g {
		now := e.now()
		if checked && !j.item.FirstAttempt.IsZero() && now.Sub(j.item.FirstAttempt) >= cfg.RetryFor {
			results <- j.with(attempt{verdict: notFound, checked: true})
			continue
		}
		if ctx.Err() != nil {
			results <- j.with(attempt{verdict: untried, checked: checked})
			continue
		}
		ref, err := e.chat.Send(sendCtx, j.to(), j.msg)
		a := e.attemptOf(j, err)
		a.ref, a.checked = ref, checked
		results <- j.with(a)
	}
}

// checkRetryMax caps the wait before the platform's history is asked
// again about an unsure nudge.
const checkRetryMax = time.Minute

// attemptOf reads what a platform call's error means for j.
func (e *Engine) attemptOf(j job, err error) attempt {
	v, wait, reason := verdictOf(err)
	a := attempt{verdict: v, wait: wait, reason: reason}
	switch v {
	case refused:
	case failedTry:
		a.reason = err.Error()
		a.backoff = backoff(j.item.Attempts + 1)
	case unsure:
		// What comes next is a look at the platform's history, not a
		// resend: the wait is capped like a failed look's, so a nudge
		// that met several of the platform's bad moments is not left
		// for many minutes after the platform has recovered.
		a.reason = err.Error()
		a.backoff = min(backoff(j.item.Attempts+1), checkRetryMax)
	}
	return a
}
