package slack_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nudgebot/nudgebot/bot"
	nbslack "github.com/nudgebot/nudgebot/bot/slack"
	"github.com/nudgebot/nudgebot/nudges"
	"github.com/nudgebot/nudgebot/store"
)

// decodeChart checks that b is a 480×240 PNG and decodes it.
func decodeChart(t *testing.T, b []byte) image.Image {
	t.Helper()
	if ct := http.DetectContentType(b); ct != "image/png" {
		t.Fatalf("chart is %s, want image/png", ct)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode chart: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: 480, Y: 240}) {
		t.Fatalf("chart is %v pixels, want 480×240", got)
	}
	return img
}

// barLength is the length in pixels of the longest horizontal run of
// pixels of the kind is picks out: the bar, when is picks its colour.
func barLength(img image.Image, is func(r, g, b int) bool) int {
	longest := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		run := 0
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if is(int(r>>8), int(g>>8), int(b>>8)) {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return longest
}

// The bar is blue below the goal and green on or above it; the goal line
// is red and the rest grey.
func green(r, g, b int) bool { return g > r+40 && g > b+40 }
func blue(r, g, b int) bool  { return b > r+60 && b > g+30 }

func TestSummaryChart(t *testing.T) {
	full := decodeChart(t, mustChart(t, nudges.Chart{Label: "Team One", Week: 3, Applied: 4, Learners: 4, TargetShare: 0.7}))
	fullLen := barLength(full, green)
	if fullLen < 300 {
		t.Fatalf("a full bar is %d pixels long in a 480-pixel chart", fullLen)
	}
	for _, tc := range []struct {
		name  string
		c     nudges.Chart
		share float64 // the bar's length, as a share of a full bar
		color string  // the bar's colour: "green", "blue" or "" for no bar
	}{
		{"NoLearners", nudges.Chart{Label: "Team One", Week: 0, TargetShare: 0.7}, 0, ""},
		{"Zero", nudges.Chart{Label: "Team One", Week: 1, Applied: 0, Learners: 5, TargetShare: 0.7}, 0, ""},
		{"BelowTarget", nudges.Chart{Label: "Team One", Week: 2, Applied: 3, Learners: 5, TargetShare: 0.7}, 0.6, "blue"},
		{"OverTarget", nudges.Chart{Label: "Team One", Week: 4, Applied: 4, Learners: 5, TargetShare: 0.7}, 0.8, "green"},
		{"Full", nudges.Chart{Label: "Team One", Week: 5, Applied: 7, Learners: 7, TargetShare: 0.7}, 1, "green"},
		{"TargetOf100", nudges.Chart{Label: "Team One", Week: 5, Applied: 9, Learners: 10, TargetShare: 1}, 0.9, "blue"},
		{"NoLabel", nudges.Chart{Week: 2, Applied: 1, Learners: 2, TargetShare: 0.7}, 0.5, "blue"},
		{"CountsOutOfRange", nudges.Chart{Label: "Team One", Week: 2, Applied: 6, Learners: 4, TargetShare: math.NaN()}, 1, "green"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // and so under -race: charts are drawn concurrently
			img := decodeChart(t, mustChart(t, tc.c))
			g, b := barLength(img, green), barLength(img, blue)
			var got, other int // the bar's length; any other bar's
			switch tc.color {
			case "green":
				got, other = g, b
			case "blue":
				got, other = b, g
			default:
				other = max(g, b)
			}
			if want := tc.share * float64(fullLen); math.Abs(float64(got)-want) > 4 {
				t.Errorf("%s bar %d pixels long, want %.0f (%.0f%% of a full bar's %d)", tc.color, got, want, tc.share*100, fullLen)
			}
			if other > 2 {
				t.Errorf("a %d-pixel bar of the wrong colour (want %q)", other, tc.color)
			}
		})
	}
}

func mustChart(t *testing.T, c nudges.Chart) []byte {
	t.Helper()
	b, err := nbslack.SummaryChart(c)
	if err != nil {
		t.Fatalf("SummaryChart(%+v): %v", c, err)
	}
	return b
}

// logBuffer collects the adapter's log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Names on the roster of env_test.go that must never reach a channel's
// chart or the log lines about it.
var rosterNames = []string{"Priya", "Tom Berg", "Ann Lee", "Sam Ito", "Lee Park"}

// summaryItem is the outbox item of the team summary for channel.
func summaryItem(t *testing.T, v *env, channel string) store.Item {
	t.Helper()
	for _, it := range v.items(t) {
		if it.Kind == nudges.KindSummary && it.Channel == channel {
			return it
		}
	}
	t.Fatalf("no summary item for %s", channel)
	return store.Item{}
}

func TestSend_SummaryCarriesAChart(t *testing.T) {
	v := newEnv(t, "2026-06-09T14:00:00Z") // Tuesday of program week 2
	files := serveFiles(v.fake)
	v.sendNow(t, "ann", nudges.KindSummary)
	v.flush(t)

	posts := v.fake.Messages("C0TEAM1")
	if len(posts) != 1 {
		t.Fatalf("%d posts in the team channel, want the summary alone", len(posts))
	}
	it := summaryItem(t, v, "C0TEAM1")
	if it.State != store.Sent || it.Ref != "C0TEAM1/"+posts[0].TS {
		t.Errorf("summary item %s ref %q, want sent with the summary's ref C0TEAM1/%s", it.State, it.Ref, posts[0].TS)
	}
	if !strings.Contains(posts[0].Text, "0% have applied") {
		t.Errorf("summary text %q lost its figures", posts[0].Text)
	}

	shared := files.Shared()
	if len(shared) != 1 {
		t.Fatalf("%d files shared, want the team summary's chart (the DM summary has none)", len(shared))
	}
	f := shared[0]
	if f.Channel != "C0TEAM1" {
		t.Errorf("chart shared in %q, want the team channel C0TEAM1", f.Channel)
	}
	decodeChart(t, f.Data)
	if f.Length != len(f.Data) || !strings.HasSuffix(f.Filename, ".png") {
		t.Errorf("announced %s of %d bytes, uploaded %d", f.Filename, f.Length, len(f.Data))
	}
	if f.Title != "Team One · week 2" {
		t.Errorf("title %q, want the team and the week", f.Title)
	}
	if want := "First application: 0 of 2 learners (0%) · goal 70%"; f.AltText != want {
		t.Errorf("alt text %q, want %q", f.AltText, want)
	}
	for _, name := range rosterNames {
		if strings.Contains(f.Title+f.AltText+f.Filename, name) {
			t.Errorf("the chart's file names %q", name)
		}
	}
	// The chart follows the summary it belongs to.
	post := v.fake.Calls("chat.postMessage")
	complete := v.fake.Calls("files.completeUploadExternal")
	if len(complete) != 1 || complete[0].Form.Get("channel_id") != "C0TEAM1" {
		t.Fatalf("completeUploadExternal calls %+v, want one naming C0TEAM1", complete)
	}
	for _, p := range post {
		if p.Form.Get("channel") == "C0TEAM1" && p.At.After(complete[0].At) {
			t.Errorf("the chart was shared before the summary was posted")
		}
	}
}

func TestSend_SummaryChartRefusedFallsBackToText(t *testing.T) {
	forbidden := func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden) }
	for _, tc := range []struct {
		name, method string
		fail         failure
		want         string // in the warning
	}{
		{"MissingScope", "files.getUploadURLExternal", slackError("missing_scope"), "missing_scope"},
		{"BotToken", "files.getUploadURLExternal", slackError("not_allowed_token_type"), "not_allowed_token_type"},
		{"UploadsDisabled", "files.getUploadURLExternal", slackError("file_uploads_disabled"), "file_uploads_disabled"},
		{"Forbidden", "upload", forbidden, "http_403"},
		{"NotInChannel", "files.completeUploadExternal", slackError("not_in_channel"), "not_in_channel"},
		{"RestrictedAction", "files.completeUploadExternal", slackError("restricted_action"), "restricted_action"},
		// A passing failure is not retried either: a retry of the delivery
		// would post the summary again.
		{"ServerError", "files.completeUploadExternal", serverError, "upload failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logBuffer{}
			v := newEnv(t, "2026-06-09T14:00:00Z", func(o *nbslack.Options) { o.Logger = zerolog.New(logs) })
			files := serveFiles(v.fake)
			v.fake.failNext(tc.method, 1, tc.fail)
			v.sendNow(t, "ann", nudges.KindSummary)
			v.flush(t)

			it := summaryItem(t, v, "C0TEAM1")
			if it.State != store.Sent || it.Attempts != 1 {
				t.Fatalf("summary item %s after %d attempt(s) (%s), want sent at the first", it.State, it.Attempts, it.Reason)
			}
			if n := postsOf(v.fake, "C0TEAM1", it.ID); n != 1 {
				t.Fatalf("%d summaries in the channel, want 1", n)
			}
			if p := v.fake.Messages("C0TEAM1")[0]; len(p.Blocks) == 0 || !strings.Contains(p.Text, "goal 70%") {
				t.Errorf("the summary went out without its text or blocks: %+v", p)
			}
			if n := len(files.Shared()); n != 0 {
				t.Errorf("%d files shared, want none", n)
			}
			// Later rounds leave the settled summary alone.
			v.clock.Set("2026-06-09T15:00:00Z")
			v.flush(t)
			if n := len(v.fake.Messages("C0TEAM1")); n != 1 {
				t.Errorf("%d posts in the channel after another round, want 1", n)
			}
			if n := len(v.fake.Calls("files.getUploadURLExternal")); n != 1 {
				t.Errorf("%d upload attempts, want 1", n)
			}
			var warned bool
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"level":"warn"`) && strings.Contains(line, tc.want) {
					warned = true
				}
				for _, name := range rosterNames {
					if strings.Contains(line, name) {
						t.Errorf("log line names %q: %s", name, line)
					}
				}
			}
			if !warned {
				t.Errorf("no warning naming %s in the log:\n%s", tc.want, logs)
			}
		})
	}
	t.Run("SendReturnsTheSummary", func(t *testing.T) {
		v := newEnv(t, "2026-06-09T14:00:00Z")
		serveFiles(v.fake)
		v.fake.failNext("files.getUploadURLExternal", 1, slackError("missing_scope"))
		msg := nudges.Message{Nudge: "direct-1", Kind: nudges.KindSummary, Title: "Team One: our week", Lines: []string{"1 of 2 of us"},
			Chart: &nudges.Chart{Label: "Team One", Week: 2, Applied: 1, Learners: 2, TargetShare: 0.7}}
		ref, err := v.a.Send(context.Background(), bot.Recipient{Manager: "ann", Channel: "C0TEAM1"}, msg)
		if err != nil {
			t.Fatalf("Send = %v, want the summary delivered without its chart", err)
		}
		posts := v.fake.Messages("C0TEAM1")
		if len(posts) != 1 || ref != "C0TEAM1/"+posts[0].TS {
			t.Errorf("ref %q, posts %+v; want the summary's ref", ref, posts)
		}
	})
	t.Run("NoFilesAPI", func(t *testing.T) {
		// A fake without files.* answers 404, as a proxy that does not
		// pass them on would.
		v := newEnv(t, "2026-06-09T14:00:00Z")
		v.sendNow(t, "ann", nudges.KindSummary)
		v.flush(t)
		if it := summaryItem(t, v, "C0TEAM1"); it.State != store.Sent {
			t.Fatalf("summary item %s (%s), want sent", it.State, it.Reason)
		}
	})
}
