package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// answer is a Web API answer's JSON body.
type answer map[string]any

func failed(code string) answer { return answer{"ok": false, "error": code} }

// The bot's own identity in the fake workspace.
const (
	TeamID    = "T0FAKE"
	BotUserID = "U0BOT"
	BotID     = "B0BOT"
)

// handlers answer the methods the fake serves; they run with f.mu held.
var handlers = map[string]func(f *Server, p params, now time.Time) answer{
	"auth.test": func(*Server, params, time.Time) answer {
		return answer{"ok": true, "url": "https://fake.slack.test/", "team": "Fake", "user": "nudgebot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID}
	},
	"chat.postMessage":      (*Server).postMessage,
	"chat.update":           (*Server).update,
	"chat.postEphemeral":    func(f *Server, _ params, now time.Time) answer { return answer{"ok": true, "message_ts": f.ts(now)} },
	"conversations.open":    (*Server).open,
	"conversations.history": (*Server).history,
	"users.lookupByEmail":   (*Server).lookupByEmail,
	"users.list":            (*Server).list,
	"users.conversations":   (*Server).conversations,
	"users.info":            (*Server).info,
	"views.open":            view,
	"views.publish":         view,
	"views.update":          view,
	"views.push":            view,
}

func view(f *Server, _ params, _ time.Time) answer {
	return answer{"ok": true, "view": answer{"id": fmt.Sprintf("V%08d", len(f.requests)), "hash": "h1"}}
}

// ts hands out a message timestamp from the clock, unique and increasing
// across the workspace.
func (f *Server) ts(now time.Time) string {
	us := max(now.UnixMicro(), f.lastTS+1)
	f.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// micros reads a Slack timestamp ("1780000000.000123") as microseconds.
func micros(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	frac = (frac + "000000")[:6]
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return s*1e6 + us, true
}

// postMessage stores a message. A user id as channel posts to the user's
// DM channel, and the answer names the DM channel, as Slack's does.
func (f *Server) postMessage(p params, now time.Time) answer {
	ch := f.resolve(p["channel"])
	if ch == "" {
		return failed("channel_not_found")
	}
	if p["text"] == "" && p["blocks"] == "" {
		return failed("no_text")
	}
	m := &Message{Channel: ch, Text: p["text"]}
	if raw := p["blocks"]; raw != "" {
		if !json.Valid([]byte(raw)) {
			return failed("invalid_blocks")
		}
		m.Blocks = json.RawMessage(raw)
	}
	if raw := p["metadata"]; raw != "" {
		var md Metadata
		if err := json.Unmarshal([]byte(raw), &md); err != nil || md.EventType == "" {
			return failed("invalid_metadata_format")
		}
		m.Metadata = &md
		if v, ok := md.EventPayload[f.opt.NudgeKey]; ok {
			m.Nudge = fmt.Sprint(v)
		}
	}
	m.TS = f.ts(now)
	f.opened(ch)
	f.channels[ch] = append(f.channels[ch], m)
	f.messages++
	if m.Nudge != "" {
		f.nudges[m.Nudge]++
	}
	return answer{"ok": true, "channel": ch, "ts": m.TS, "message": f.render(m, true)}
}

func (f *Server) update(p params, _ time.Time) answer {
	ch := f.resolve(p["channel"])
	i := slices.IndexFunc(f.channels[ch], func(m *Message) bool { return m.TS == p["ts"] })
	if i < 0 {
		return failed("message_not_found")
	}
	m := f.channels[ch][i]
	if v, ok := p["text"]; ok {
		m.Text = v
	}
	if raw := p["blocks"]; raw != "" {
		if !json.Valid([]byte(raw)) {
			return failed("invalid_blocks")
		}
		m.Blocks = json.RawMessage(raw)
	}
	m.Updates++
	return answer{"ok": true, "channel": ch, "ts": m.TS, "text": m.Text}
}

// render is a message as conversations.history shows it; metadata only
// when asked for (include_all_metadata).
func (f *Server) render(m *Message, withMetadata bool) answer {
	out := answer{"type": "message", "user": BotUserID, "bot_id": BotID, "text": m.Text, "ts": m.TS}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if withMetadata && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

func (f *Server) open(p params, _ time.Time) answer {
	ids := strings.Split(p["users"], ",")
	if p["users"] == "" || len(ids) != 1 {
		return failed("users_list_not_supplied")
	}
	if _, ok := f.users[ids[0]]; !ok {
		return failed("user_not_found")
	}
	f.opened(DM(ids[0]))
	return answer{"ok": true, "channel": answer{"id": DM(ids[0]), "is_im": true, "user": ids[0]}}
}

// history pages through a channel newest first: messages after oldest
// (at it too when inclusive) and before latest, limit a page (default
// 100, at most 999), the cursor being the offset of the next page.
func (f *Server) history(p params, now time.Time) answer {
	ch := p["channel"]
	if ch == "" {
		return failed("channel_not_found")
	}
	oldest, latest := int64(0), int64(1<<62)
	if v := p["oldest"]; v != "" {
		us, ok := micros(v)
		if !ok {
			return failed("invalid_ts_oldest")
		}
		oldest = us
	}
	if v := p["latest"]; v != "" {
		us, ok := micros(v)
		if !ok {
			return failed("invalid_ts_latest")
		}
		latest = us
	}
	inclusive := p["inclusive"] == "1" || p["inclusive"] == "true"
	var match []*Message
	all := f.channels[ch]
	for i := len(all) - 1; i >= 0; i-- {
		us, _ := micros(all[i].TS)
		if (us > oldest || inclusive && us == oldest) && (us < latest || inclusive && us == latest) {
			match = append(match, all[i])
		}
	}
	page, next, err := paginate(len(match), p["limit"], p["cursor"], 100, 999)
	if err != "" {
		return failed(err)
	}
	withMeta := p["include_all_metadata"] == "1" || p["include_all_metadata"] == "true"
	msgs := make([]answer, 0, page[1]-page[0])
	for _, m := range match[page[0]:page[1]] {
		msgs = append(msgs, f.render(m, withMeta))
	}
	return answer{"ok": true, "messages": msgs, "has_more": next != "",
		"response_metadata": answer{"next_cursor": next}}
}

// paginate picks the page [from, to) of n items for a limit and a cursor
// (the offset, as text), and the next page's cursor ("" at the end).
func paginate(n int, limit, cursor string, def, most int) (page [2]int, next string, err string) {
	size := def
	if limit != "" && limit != "0" {
		l, e := strconv.Atoi(limit)
		if e != nil || l < 0 {
			return page, "", "invalid_limit"
		}
		size = min(l, most)
	}
	from := 0
	if cursor != "" {
		c, e := strconv.Atoi(strings.TrimPrefix(cursor, "next:"))
		if e != nil || c < 0 || c > n || !strings.HasPrefix(cursor, "next:") {
			return page, "", "invalid_cursor"
		}
		from = c
	}
	to := min(n, from+size)
	if to < n {
		next = "next:" + strconv.Itoa(to)
	}
	return [2]int{from, to}, next, ""
}

func (f *Server) userJSON(u *User) answer {
	return answer{"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.Name, "tz": u.TZ,
		"is_bot": u.IsBot, "deleted": false, "profile": answer{"email": u.Email, "real_name": u.Name}}
}

func (f *Server) lookupByEmail(p params, _ time.Time) answer {
	id, ok := f.byEmail[strings.ToLower(p["email"])]
	if !ok {
		return failed("users_not_found")
	}
	return answer{"ok": true, "user": f.userJSON(f.users[id])}
}

func (f *Server) info(p params, _ time.Time) answer {
	u, ok := f.users[p["user"]]
	if !ok {
		return failed("user_not_found")
	}
	return answer{"ok": true, "user": f.userJSON(u)}
}

// list pages through the workspace's members in the order they were
// added (limit default 100, at most 1,000).
func (f *Server) list(p params, _ time.Time) answer {
	page, next, err := paginate(len(f.order), p["limit"], p["cursor"], 100, 1000)
	if err != "" {
		return failed(err)
	}
	members := make([]answer, 0, page[1]-page[0])
	for _, id := range f.order[page[0]:page[1]] {
		members = append(members, f.userJSON(f.users[id]))
	}
	return answer{"ok": true, "members": members, "response_metadata": answer{"next_cursor": next}}
}

// opened records that the DM channel ch exists, if it is one: Slack
// creates a DM when the bot opens it or first posts to the user.
func (f *Server) opened(ch string) {
	if !strings.HasPrefix(ch, "D") {
		return
	}
	uid := "U" + ch[1:]
	if _, ok := f.users[uid]; !ok || f.hasIM[uid] {
		return
	}
	f.hasIM[uid] = true
	f.ims = append(f.ims, uid)
}

// conversations pages through the bot's conversations (users.conversations)
// in the order they were opened. The fake has no channels the bot is a
// member of, so only direct messages are listed, and only when types asks
// for "im" (Slack's default is public channels). A DM exists once the bot
// opened it or posted to the user; limit default 100, at most 999.
func (f *Server) conversations(p params, _ time.Time) answer {
	var ims []string
	if slices.Contains(strings.Split(p["types"], ","), "im") {
		ims = f.ims
	}
	page, next, err := paginate(len(ims), p["limit"], p["cursor"], 100, 999)
	if err != "" {
		return failed(err)
	}
	chans := make([]answer, 0, page[1]-page[0])
	for _, uid := range ims[page[0]:page[1]] {
		chans = append(chans, answer{"id": DM(uid), "is_im": true, "user": uid, "is_user_deleted": false})
	}
	return answer{"ok": true, "channels": chans, "response_metadata": answer{"next_cursor": next}}
}
