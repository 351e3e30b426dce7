package slack

// CachedZone returns a reader of the zones ResolveZones cached for managers
// (through their Slack user: userIDs from the configuration, else the one
// learned by email), for `plan` to preview the schedule in the zones the
// running bot uses. It reads the cache only and never calls Slack.
func CachedZone(userIDs map[string]string) func(identity func(ns, key string) (string, bool), managerID string) string {
	return func(identity func(ns, key string) (string, bool), managerID string) string {
		uid := userIDs[managerID]
		if uid == "" {
			uid, _ = identity(nsUser, managerID)
		}
		if uid == "" {
			return ""
		}
		tz, _ := identity(nsZone, uid)
		return tz
	}
}
