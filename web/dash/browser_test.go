package dash_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/nudgebot/nudgebot/internal/oidcfake"
	"github.com/nudgebot/nudgebot/web/dash"
)

var screenshots = flag.String("dash.screenshots", "", "save a screenshot of each dashboard page in this `directory` (default: the test's temporary directory)")

// chromium finds Debian's Chromium (or Chrome). CI installs it; a machine
// without one skips the browser tests and says why.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on this machine: install Debian's chromium package (apt-get install chromium) to run the browser tests; CI does")
	return ""
}

// tab is a headless browser with what the page told its console and the
// security headers of each document it loaded.
type tab struct {
	t       *testing.T
	v       *env
	ctx     context.Context
	shots   string
	mu      sync.Mutex
	console []string
	csp     map[string]string // document URL → its CSP header
}

func newTab(t *testing.T, v *env) *tab {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// No test step waits longer than this: a hung browser fails the test
	// instead of the whole run.
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	b := &tab{t: t, v: v, ctx: ctx, shots: *screenshots, csp: map[string]string{}}
	if b.shots == "" {
		b.shots = t.TempDir()
	} else if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel3(); wg.Wait() }) // the listeners end with the context
	console := chromedp.Console(ctx)
	responses := chromedp.Events(ctx, network.ResponseReceived)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, fmt.Sprintf("%s %s: %s", m.Type, m.Source, m.Text))
			b.mu.Unlock()
		}
	})
	wg.Go(func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Type == network.ResourceTypeDocument {
				csp, _ := ev.Response.Headers["Content-Security-Policy"].(string)
				if csp == "" {
					csp, _ = ev.Response.Headers["content-security-policy"].(string)
				}
				b.mu.Lock()
				b.csp[ev.Response.URL] = csp
				b.mu.Unlock()
			}
		}
	})
	return b
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.v.srv.URL+dash.Prefix+path), chromedp.WaitVisible(chromedp.CSS("h1")))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: %v", sel, err)
	}
	return s
}

func (b *tab) has(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s shows %q, want %q in it", sel, got, w)
		}
	}
}

func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// submit submits a form and confirms on the confirmation page, typing
// the confirmation when one is asked.
func (b *tab) submitAndConfirm(form, typed string) {
	b.t.Helper()
	b.do(chromedp.Submit(chromedp.CSS(form)), chromedp.WaitVisible(chromedp.CSS("#confirm")))
	if typed != "" {
		b.do(chromedp.SendKeys(chromedp.CSS(`#confirm input[name="typed"]`), typed))
	}
	b.do(chromedp.Click(chromedp.CSS("#confirm-button")))
}

func TestBrowser_SignInPagesAndActions(t *testing.T) {
	v := newEnv(t, envOpt{})
	b := newTab(t, v)

	// Sign in through the provider, from the sign-in page.
	v.idp.SignIn(oidcfake.User{Subject: "sub-ann", Email: "ann@example.com", Verified: true})
	b.open("/")
	if loc, _ := chromedp.Run(b.ctx, chromedp.Location()); !strings.HasSuffix(loc, dash.Prefix+"/login") {
		t.Fatalf("without a session the dashboard showed %s", loc)
	}
	b.shot("00-sign-in")
	b.do(chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#nudged")))
	b.has("#who", "ann@example.com (admin)")

	// Every page, with the seeded figures.
	pages := []struct{ path, name, sel, want string }{
		{"/", "01-programs", "main", "week 3 of 12"},
		{"/teams", "02-teams", "#team-t1", "20% / 60%"},
		{"/flags", "03-flags", "main", "Bright spots"},
		{"/effect", "04-effectiveness", "#cadences", "weekly"},
		{"/delivery", "05-delivery", "#states", "sent"},
		{"/calendar", "06-calendar", "main", "2026-06-22"},
		{"/logs", "07-logs", "#logs", "the opening line"},
		{"/logs?person=l1", "08-person", "#person", "l1"},
		{"/actions", "09-actions", "main", "Send a test nudge"},
	}
	for _, p := range pages {
		b.open(p.path)
		b.has(p.sel, p.want)
		b.shot(p.name)
	}
	b.open("/")
	b.has("#managers", "2")
	b.has("#nudged", "2")
	b.has("#answered", "1")
	b.has("#coached", "1")
	b.has("#applied", "1 of 5")

	// Pause, confirmed.
	b.open("/actions")
	b.submitAndConfirm("#form-pause-p", "")
	b.do(chromedp.WaitVisible(chromedp.CSS("#done")))
	b.has("#done", "Paused p")
	if !v.paused() {
		t.Fatal("the pause did not take effect")
	}
	b.open("/")
	b.has("#paused", "paused")

	// A test send to Bob reaches Bob.
	b.open("/actions")
	b.do(chromedp.SendKeys(chromedp.CSS(`#form-test input[name="manager"]`), "bob"))
	b.submitAndConfirm("#form-test", "")
	b.do(chromedp.WaitVisible(chromedp.CSS("#done")))
	b.has("#done", "Queued a test checkin nudge for bob")
	if err := v.e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v.chat.sentTo("bob") != 2 {
		t.Fatalf("the test nudge did not reach Bob: %d", v.chat.sentTo("bob"))
	}

	// Export downloads the person's data.
	dir := t.TempDir()
	progress := chromedp.Events(b.ctx, browser.DownloadProgress)
	b.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)})
		return err
	}))
	b.open("/actions")
	b.do(chromedp.SendKeys(chromedp.CSS(`#form-export input[name="person"]`), "l1"))
	b.submitAndConfirm("#form-export", "")
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			raw, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil || !strings.Contains(string(raw), "the opening line") {
				t.Fatalf("export: %v %s", err, raw)
			}
			break
		}
	}

	// Erase, with the typed confirmation.
	b.open("/actions")
	b.do(chromedp.SendKeys(chromedp.CSS(`#form-erase input[name="person"]`), "l1"))
	b.submitAndConfirm("#form-erase", "l1")
	b.do(chromedp.WaitVisible(chromedp.CSS("#done")))
	b.has("#done", "Erased 3 records about l1")
	b.open("/logs?person=l1")
	b.has("#logs", "No logs match")

	// Everything is in the audit log.
	b.open("/audit")
	b.has("#audit", "pause", "send", "a checkin nudge to one manager", "export", "erase", "one person's records")
	b.shot("10-audit")

	// A form posted without its CSRF token is refused.
	b.open("/actions")
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#form-pause-p input[name="csrf"]').remove()`))
	b.submitNoConfirm("#form-pause-p")
	b.has("#error", "security token")
	b.shot("11-csrf-refused")

	// The CSP came with every page, and the browser reported no violation.
	b.mu.Lock()
	for u, csp := range b.csp {
		if strings.HasPrefix(u, v.srv.URL+dash.Prefix) && csp != dash.CSP {
			t.Errorf("%s came with CSP %q", u, csp)
		}
	}
	if len(b.csp) < len(pages) {
		t.Errorf("saw %d documents", len(b.csp))
	}
	for _, m := range b.console {
		// The refused POST above is the one expected error (a 403).
		refused := strings.HasPrefix(m, "error network:") && strings.Contains(m, "403")
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, " security:") || strings.HasPrefix(m, "error") && !refused {
			t.Errorf("console: %s", m)
		}
	}
	b.mu.Unlock()
	t.Logf("screenshots in %s", b.shots)
}

func (b *tab) submitNoConfirm(form string) {
	b.t.Helper()
	b.do(chromedp.Submit(chromedp.CSS(form)), chromedp.WaitVisible(chromedp.CSS("h1")))
}

func TestBrowser_ViewerCannotAct(t *testing.T) {
	v := newEnv(t, envOpt{})
	b := newTab(t, v)
	v.idp.SignIn(oidcfake.User{Subject: "sub-vic", Email: "vic@viewers.example.com", Verified: true})
	b.open("/login")
	b.do(chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#nudged")))
	b.has("#who", "(viewer)")
	b.open("/actions")
	b.has("#viewer-note", "only admins may act")
	b.shot("12-viewer-actions")
	// A viewer who crafts the admin's form anyway (with their own valid
	// CSRF token) is refused.
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/dashboard/action/pause'; f.id = 'crafted';
		for (const [k, v] of [['csrf', document.querySelector('input[name="csrf"]').value], ['program', 'p'], ['confirm', 'yes']]) { const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
		document.body.appendChild(f); })()`))
	b.submitNoConfirm("#crafted")
	b.has("#error", "Only admins")
	if v.paused() || len(v.audit()) != 0 {
		t.Fatal("a viewer acted")
	}
	b.open("/")
	b.has("#nudged", "2")
}
