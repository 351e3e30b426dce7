package web

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/nudgebot/nudgebot/store"
)

// Metrics are what an operator watches: how late the schedule runs, how
// deep and how old the outbox is, how deliveries end, how fast inbound
// events are acknowledged, whether reloads succeed.
type Metrics struct {
	Deliveries *prometheus.CounterVec   // result (sent, failed, retry, skipped), reason
	AckLatency *prometheus.HistogramVec // platform, kind (event, action, submission, command)
	Reloads    *prometheus.CounterVec   // result (ok, restart_needed, error)
	Skipped    *prometheus.CounterVec   // reason (catch_up, after_hours, daily_cap)
}

// Source is what the scrape-time gauges read.
type Source interface {
	Now() time.Time
	Store() *store.Store
}

// NewMetrics registers nudgebot's metrics on reg.
func NewMetrics(reg *prometheus.Registry, src Source) *Metrics {
	m := &Metrics{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nudgebot_deliveries_total", Help: "Delivery attempts by result and reason.",
		}, []string{"result", "reason"}),
		AckLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "nudgebot_inbound_ack_seconds", Help: "Time from receiving an inbound request to acknowledging it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}, []string{"platform", "kind"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nudgebot_reloads_total", Help: "Configuration reloads by result.",
		}, []string{"result"}),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nudgebot_skipped_total", Help: "Nudges the schedule recorded as skipped instead of sending, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.Deliveries, m.AckLatency, m.Reloads, m.Skipped, &storeCollector{src: src},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Delivered counts one recorded delivery attempt.
func (m *Metrics) Delivered(it store.Item) {
	result := string(it.State)
	if it.State == store.Pending {
		result = "retry"
	}
	reason := it.Reason
	if len(reason) > 40 { // keep label values few: the code, not the message
		reason = reason[:40]
	}
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		reason = reason[:i]
	}
	m.Deliveries.WithLabelValues(result, reason).Inc()
}

// SkippedBy counts one nudge skipped by the schedule (catch-up, the daily
// cap), by its reason code.
func (m *Metrics) SkippedBy(code string) { m.Skipped.WithLabelValues(code).Inc() }

var (
	descOutbox = prometheus.NewDesc("nudgebot_outbox_items", "Outbox items by state.", []string{"state"}, nil)
	descOldest = prometheus.NewDesc("nudgebot_outbox_oldest_ready_seconds",
		"How long the oldest item ready for delivery has waited (0 when none).", nil, nil)
	descDueLag = prometheus.NewDesc("nudgebot_due_lag_seconds",
		"How far behind the sweep is: age of the oldest due row not yet moved to the outbox (0 when none).", nil, nil)
)

// storeCollector reads the store at scrape time: counts are kept by the
// store itself, so a scrape is a few reads, not a scan.
type storeCollector struct{ src Source }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutbox
	ch <- descOldest
	ch <- descDueLag
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Store()
	counts, err := st.Counts()
	if err != nil {
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(n), string(state))
	}
	now := c.src.Now()
	var oldest, lag float64
	_ = st.View(func(tx *store.Tx) error {
		if t, ok := tx.NextReady(); ok && t.Before(now) {
			oldest = now.Sub(t).Seconds()
		}
		if t, ok := tx.NextDue(); ok && t.Before(now) {
			lag = now.Sub(t).Seconds()
		}
		return nil
	})
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, oldest)
	ch <- prometheus.MustNewConstMetric(descDueLag, prometheus.GaugeValue, lag)
}
