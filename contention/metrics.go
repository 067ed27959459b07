package contention

// Metrics keys of this package's findings (units in the name). They are
// part of the JSON contract: docs/json.md lists every one, and
// analyzer's TestJSONContract ties the two together.
const (
	MetricContentions           = "contentions"
	MetricDelaySeconds          = "delay_seconds"
	MetricDelaySecondsPerSecond = "delay_seconds_per_second"
	MetricDelayShare            = "delay_share"
	MetricWindowSeconds         = "window_seconds"
)
