package store

import (
	"encoding/binary"
	"time"
)

// Bucket names. Keys are chosen so the questions the bot asks most are one
// cursor seek: "what is due by now" (due), "what is ready to send" (ready),
// "this manager's logs this week" (logs).
var (
	bucketMeta     = []byte("meta")     // schema version, first run
	bucketDue      = []byte("due")      // be64(unix) | id → Due
	bucketSched    = []byte("sched")    // manager 0 cadence → due key | fingerprint
	bucketOutbox   = []byte("outbox")   // id → Item
	bucketReady    = []byte("ready")    // be64(unix nanos) | id → nil: pending items by next attempt
	bucketSending  = []byte("sending")  // id → nil: items handed to the platform, not yet confirmed
	bucketCounts   = []byte("counts")   // state → be64 count
	bucketLogs     = []byte("logs")     // manager 0 be64(unix nanos) | id → Log
	bucketReplies  = []byte("replies")  // reply id → logs key: idempotency
	bucketManagers = []byte("managers") // manager → ManagerState
	bucketFirstApp = []byte("firstapp") // program 0 learner → FirstApplication
	bucketEvents   = []byte("events")   // event id → nil: learning events already handled
	bucketDayCount = []byte("daycount") // manager 0 YYYY-MM-DD → be64: unplanned nudges queued that local day
	bucketIdents   = []byte("idents")   // namespace 0 key → value: platform identities (schema 2)
	bucketOpen     = []byte("open")     // manager 0 id → nil: DM nudges awaiting an answer (schema 2)
)

var allBuckets = [][]byte{bucketMeta, bucketDue, bucketSched, bucketOutbox, bucketReady, bucketSending,
	bucketCounts, bucketLogs, bucketReplies, bucketManagers, bucketFirstApp, bucketEvents, bucketDayCount}

// metaPaused prefixes meta keys recording an admin's pause or resume of a
// program, which overrides the configuration's paused flag.
const metaPaused = "paused/"

func be64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// timeKey sorts instants; times before 1970 do not occur here.
func timeKey(t time.Time, id string) []byte {
	return append(be64(uint64(t.UnixNano())), id...)
}

func keyTime(k []byte) time.Time { return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))) }

func pair(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

func logKey(manager string, at time.Time, id string) []byte {
	k := pair(manager, "")
	k = append(k, be64(uint64(at.UnixNano()))...)
	return append(k, id...)
}
