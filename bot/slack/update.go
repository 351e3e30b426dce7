package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/nudgebot/nudgebot/bot/converse"
	"github.com/nudgebot/nudgebot/nudges"
)

// Message updates (chat.update, after an answer) go through a queue of
// their own rather than being called from the click's work: Slack paces
// updates like messages (about one a second per channel) and answers 429
// beyond that, and a click whose redraw was simply dropped on a 429 left
// the message showing buttons already answered.
//
// The queue holds, per message, the latest state asked for and not yet
// sent. A newer state replaces an older one still waiting, and a message
// is handled by one worker at a time, so an older state is never sent
// after a newer one. The state is rendered when it is sent, from the
// engine's current reading of the nudge, so what goes out is what the
// nudge is now, however many answers came in meanwhile.

// Limits of the update queue.
const (
	updateWorkers  = 8
	updateRetryMin = 250 * time.Millisecond
	updateRetryMax = 30 * time.Second
)

// redrawing is a state a nudge's message should show: the answer just
// recorded (act, and note, the engine's confirmation) on top of the
// nudge as it reads when the update is sent. title stands in for the
// header when the nudge no longer composes.
type redrawing struct {
	e                            Engine
	mgr, nudge, act, note, title string
	// hook is the response_url of the click that asked for this state:
	// Slack lets it replace the message a few times within half an hour,
	// outside chat.update's tier of 50 a minute, so a click's answer shows
	// at once even when many managers click together. "" when there is
	// none (a form submitted, a command) or it was refused.
	hook string
}

// pendingUpdate is one message with a state to send.
type pendingUpdate struct {
	channel, ts string
	next        *redrawing // the latest state not yet taken by a worker
	queued      bool       // in updates.queue
	busy        bool       // a worker holds the message
}

// updates is the queue and its workers. The workers are started with the
// first update and stop on Close (see Adapter.Close).
type updates struct {
	a       *Adapter
	mu      sync.Mutex
	msgs    map[string]*pendingUpdate // "channel/ts" → its update
	queue   []*pendingUpdate          // messages waiting for a worker
	signal  chan struct{}             // closed and replaced when the queue grows or closes
	closing bool                      // no worker waits for more
	pending sync.WaitGroup            // one per message in msgs
	workers sync.WaitGroup
	start   sync.Once
}

func newUpdates(a *Adapter) *updates {
	return &updates{a: a, msgs: map[string]*pendingUpdate{}, signal: make(chan struct{})}
}

// put asks for channel/ts to show st, replacing any state still waiting.
func (u *updates) put(channel, ts string, st *redrawing) {
	u.start.Do(func() {
		for range updateWorkers {
			u.workers.Go(func() { u.work(u.a.workCtx) })
		}
	})
	u.mu.Lock()
	defer u.mu.Unlock()
	key := channel + "/" + ts
	p := u.msgs[key]
	if p == nil {
		p = &pendingUpdate{channel: channel, ts: ts}
		u.msgs[key] = p
		u.pending.Add(1)
	}
	p.next = st
	if !p.busy && !p.queued {
		p.queued = true
		u.queue = append(u.queue, p)
		u.wake()
	}
}

func (u *updates) wake() { close(u.signal); u.signal = make(chan struct{}) }

// close lets the workers stop once the queue is empty.
func (u *updates) close() {
	u.mu.Lock()
	u.closing = true
	u.wake()
	u.mu.Unlock()
}

// take waits for a message to update; false when the queue is closed and
// empty, or ctx ends.
func (u *updates) take(ctx context.Context) (*pendingUpdate, bool) {
	u.mu.Lock()
	for len(u.queue) == 0 {
		if u.closing {
			u.mu.Unlock()
			return nil, false
		}
		signal := u.signal
		u.mu.Unlock()
		select {
		case <-signal:
		case <-ctx.Done():
			return nil, false
		}
		u.mu.Lock()
	}
	p := u.queue[0]
	u.queue = u.queue[1:]
	p.queued, p.busy = false, true
	u.mu.Unlock()
	return p, true
}

// latest takes the message's newest state; nil when there is none left,
// and the message is then done (forgotten, under the same lock, so a put
// that follows starts afresh).
func (u *updates) latest(p *pendingUpdate) *redrawing {
	u.mu.Lock()
	defer u.mu.Unlock()
	st := p.next
	p.next = nil
	if st == nil {
		p.busy = false
		delete(u.msgs, p.channel+"/"+p.ts)
		u.pending.Done()
	}
	return st
}

// again puts back a state that could not be sent, unless a newer one came
// meanwhile (which is then the one to send).
func (u *updates) again(p *pendingUpdate, st *redrawing) {
	u.mu.Lock()
	if p.next == nil {
		p.next = st
	}
	u.mu.Unlock()
}

func (u *updates) work(ctx context.Context) {
	for {
		p, ok := u.take(ctx)
		if !ok {
			return
		}
		u.send(ctx, p)
	}
}

// send updates one message until its newest state is shown, Slack refused
// it for good, or ctx ends. A retry sends the newest state, not the one
// that failed.
func (u *updates) send(ctx context.Context, p *pendingUpdate) {
	wait := updateRetryMin
	for st := u.latest(p); st != nil; st = u.latest(p) {
		err := u.a.update(ctx, p.channel, p.ts, st)
		if ctx.Err() != nil {
			return // shutting down after the grace: the message keeps its last state
		}
		switch updateVerdict(err) {
		case updateSent:
			wait = updateRetryMin
		case updateGiveUp:
			// The answer is recorded; only the message still shows its buttons.
			u.a.log.Warn().Err(err).Str("manager", st.mgr).Str("nudge_id", st.nudge).Msg("Slack refused to update the nudge's message")
		case updateRetry:
			u.again(p, st)
		case updateRetryLater:
			u.again(p, st)
			if sleep(ctx, jitter(wait)) != nil {
				return
			}
			wait = min(wait*2, updateRetryMax)
		}
	}
}

// What to do after a chat.update.
type updateOutcome int

const (
	updateSent       updateOutcome = iota
	updateRetry                    // Slack asked us to wait: call holds the method for as long as it said
	updateRetryLater               // a server or network failure: back off first
	updateGiveUp                   // Slack said no for good (the message is gone, not ours, not editable)
)

// updateVerdict decides what follows a chat.update's answer, reading it as
// a delivery is read (deliveryError): a wait Slack named, a refusal for
// good, or anything else, retried after a backoff.
func updateVerdict(err error) updateOutcome {
	if err == nil {
		return updateSent
	}
	if errors.Is(err, errHeld) {
		return updateRetry
	}
	var wait *converse.RetryAfterError
	var perm *converse.PermanentError
	switch err := deliveryError(err, false); {
	case errors.As(err, &wait):
		return updateRetry
	case errors.As(err, &perm):
		return updateGiveUp
	}
	return updateRetryLater // 5xx, timeouts, the network
}

// update renders st from the nudge as it reads now and sends it: through
// the click's response_url when there is one, else (or when that fails)
// with chat.update at the channel's message pace.
func (a *Adapter) update(ctx context.Context, channel, ts string, st *redrawing) error {
	text, blocks := st.render()
	if st.hook != "" {
		msg := &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}, ReplaceOriginal: true}
		err := slack.PostWebhookCustomHTTPContext(ctx, st.hook, a.http, msg)
		if err == nil {
			return nil
		}
		a.log.Debug().Err(err).Str("nudge_id", st.nudge).Msg("the click's response_url did not take the update; using chat.update")
		st.hook = "" // spent or refused: a retry goes through chat.update
	}
	if err := a.pace.channel(ctx, channel); err != nil {
		return err
	}
	meta := slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{metadataKey: st.nudge}}
	return a.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionMetadata(meta))
		return err
	})
}

// render is the message a nudge shows after an answer. A closed nudge
// loses its buttons, which is what stops a second answer; an open one
// (rated, or a micro-assignment with learners still to observe) is shown
// as it reads now, with a line saying what was recorded.
func (st *redrawing) render() (string, []slack.Block) {
	n, err := st.e.Show(st.mgr, st.nudge)
	msg := n.Message
	switch {
	case err != nil:
		title := st.title
		if blank(title) {
			title = "nudgebot"
		}
		return DoneBlocks(nudges.Message{Title: title}, st.note)
	case n.Answered != "" && st.act != nudges.ActOutcome:
		return DoneBlocks(msg, st.note)
	}
	msg.Lines = append([]string{"✅ " + st.note}, msg.Lines...)
	return MessageBlocks(msg)
}
