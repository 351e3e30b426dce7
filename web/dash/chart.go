package dash

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"github.com/nudgebot/nudgebot/nudges/insight"
)

// Charts are SVG made here and inlined in the page: nothing to load, no
// script. Colours and sizes are presentation attributes, not style
// attributes, so the CSP needs no 'unsafe-inline'. Every chart has a title
// and the figures are also in a table next to it, for screen readers.

// step is one bar of a funnel: n of of, with an optional target share.
type step struct {
	Label  string
	N, Of  int
	Target float64 // 0: none
}

func (s step) Share() float64 {
	if s.Of == 0 {
		return 0
	}
	return float64(s.N) / float64(s.Of)
}

// funnelSVG draws one bar per step, as a share of its base, with a target
// tick where one is set.
func funnelSVG(title string, steps []step) template.HTML {
	const w, rowH, labelW, barW = 640, 34, 170, 300
	h := rowH*len(steps) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		esc(title), w, h, w, h, esc(title))
	for i, s := range steps {
		y := 5 + i*rowH
		fill := int(math.Round(s.Share() * barW))
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="13" fill="#222">%s</text>`, y+18, esc(s.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" fill="#e6e9ef"/>`, labelW, y+3, barW)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" fill="#3b6fb6"/>`, labelW, y+3, fill)
		if s.Target > 0 {
			tx := labelW + int(math.Round(s.Target*barW))
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c0392b" stroke-width="2"><title>target %d%%</title></line>`, tx, y, tx, y+28, pct(s.Target))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#222">%d of %d (%d%%)</text>`, labelW+barW+8, y+18, s.N, s.Of, pct(s.Share()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// trendSVG draws the weekly reach as three lines.
func trendSVG(weeks []insight.WeekReach) template.HTML {
	const w, h, left, bottom, top = 560, 200, 40, 30, 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="Managers per week" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg"><title>Managers per week: nudged, answered, coached</title>`, w, h, w, h)
	if len(weeks) == 0 {
		b.WriteString(`<text x="10" y="30" font-size="13" fill="#555">No weeks yet.</text></svg>`)
		return template.HTML(b.String())
	}
	maxV := 1
	for _, wk := range weeks {
		maxV = max(maxV, wk.Nudged, wk.Answered, wk.Coached)
	}
	plotW, plotH := w-left-10, h-bottom-top
	x := func(i int) int {
		if len(weeks) == 1 {
			return left + plotW/2
		}
		return left + i*plotW/(len(weeks)-1)
	}
	y := func(v int) int { return top + plotH - v*plotH/maxV }
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, left, top+plotH, w-10, top+plotH)
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="11" fill="#555">%d</text><text x="0" y="%d" font-size="11" fill="#555">0</text>`, top+10, maxV, top+plotH)
	series := []struct {
		name, colour string
		v            func(insight.WeekReach) int
	}{
		{"nudged", "#3b6fb6", func(w insight.WeekReach) int { return w.Nudged }},
		{"answered", "#e08e0b", func(w insight.WeekReach) int { return w.Answered }},
		{"coached", "#2e8b57", func(w insight.WeekReach) int { return w.Coached }},
	}
	for si, s := range series {
		var pts []string
		for i, wk := range weeks {
			pts = append(pts, fmt.Sprintf("%d,%d", x(i), y(s.v(wk))))
			// A dot per week: one week alone is a point, not a line.
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="3" fill="%s"><title>week %d: %d %s</title></circle>`, x(i), y(s.v(wk)), s.colour, wk.Week, s.v(wk), s.name)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></polyline>`, strings.Join(pts, " "), s.colour, s.name)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11" fill="#222">%s</text>`,
			left+10+si*90, h-12, s.colour, left+24+si*90, h-3, s.name)
	}
	for i, wk := range weeks {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#555" text-anchor="middle">w%d</text>`, x(i), top+plotH+12, wk.Week)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// countsSVG draws labelled horizontal bars.
func countsSVG(title string, cs []insight.Count) template.HTML {
	const w, rowH, labelW, barW = 560, 26, 200, 260
	h := rowH*len(cs) + 10
	if len(cs) == 0 {
		h = 40
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		esc(title), w, h, w, h, esc(title))
	maxN := 1
	for _, c := range cs {
		maxN = max(maxN, c.N)
	}
	if len(cs) == 0 {
		b.WriteString(`<text x="10" y="25" font-size="13" fill="#555">None.</text>`)
	}
	for i, c := range cs {
		y := 5 + i*rowH
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12" fill="#222">%s</text>`, y+15, esc(trunc(c.Label, 30)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" fill="#3b6fb6"/>`, labelW, y+2, max(1, c.N*barW/maxN))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#222">%d</text>`, labelW+c.N*barW/maxN+6, y+15, c.N)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// shareSVG is a small bar of a share against its target, for table rows.
func shareSVG(share, target float64) template.HTML {
	const w = 120
	colour := "#c0392b"
	if share >= target {
		colour = "#2e8b57"
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" role="img" aria-label="%d%% of target %d%%" viewBox="0 0 %d 12" width="%d" height="12" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="2" width="%d" height="8" fill="#e6e9ef"/><rect x="0" y="2" width="%d" height="8" fill="%s"/><line x1="%d" y1="0" x2="%d" y2="12" stroke="#222" stroke-width="1"/></svg>`,
		pct(share), pct(target), w, w, w, int(math.Round(share*w)), colour, int(math.Round(target*w)), int(math.Round(target*w))))
}

func esc(s string) string { return html.EscapeString(s) }

func pct(f float64) int { return int(math.Round(f * 100)) }

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
