// Package promexport exports gdiag's live verdicts and runtime figures to
// Prometheus: an Exporter is a prometheus.Collector to register in the
// service's own registry, next to client_golang's Go collector (every name
// starts with gdiag_, so none clashes with its go_* names). It is a package
// of its own so that services that do not use Prometheus do not link
// client_golang.
//
//	w, _ := leakwatch.New(leakwatch.Options{})
//	c, _ := collector.New(collector.WithLeakWatch(w))
//	e, _ := promexport.New(promexport.Options{Watch: w, Collector: c})
//	prometheus.MustRegister(e)
//
// # Metrics
//
// From the live leak watch (collector/leakwatch):
//
//	gdiag_leak_goroutines{verdict}                      gauge    goroutines per verdict
//	gdiag_leak_sites{verdict}                           gauge    leak sites per verdict
//	gdiag_leak_proven_goroutines                        gauge    proven leaked by the runtime's goroutineleak profile
//	gdiag_leak_site_goroutines{site}                    gauge    per site, top MaxSites (default 10) suspect or worse
//	gdiag_leak_site_growth_per_second{site}             gauge    growth over the watch's history
//	gdiag_leak_site_age_seconds{site}                   gauge    since the watch first saw the site
//	gdiag_leak_site_first_seen_timestamp_seconds{site}  gauge
//	gdiag_leakwatch_profiles_total{profile}             counter  goroutine / goroutineleak / goroutine-text taken
//	gdiag_leakwatch_skipped_total{profile}              counter  skipped over budget
//	gdiag_leakwatch_stop_the_world_seconds_total        counter  pauses of the text dumps (within WaitBudget)
//	gdiag_leakwatch_errors_total, gdiag_leakwatch_seconds_total, gdiag_leakwatch_last_snapshot_timestamp_seconds,
//	gdiag_leakwatch_own_goroutines
//
// {site} is check, verdict, function (where the goroutines block), location
// (file:line), started_by (the function they started in) and site_labels
// (the values of leakwatch.Options.Labels). Cardinality: at most 4 ×
// MaxSites per-site series (MaxSites ≤ 100) plus 10 per-verdict series.
// A site's verdict is a label, so a site that turns from suspect to
// likely-leak starts a new series.
//
// From the collector:
//
//	gdiag_gc_cpu_ratio, gdiag_gc_cpu_target_ratio       GC CPU share over TuneWindow (5 min) and the target
//	gdiag_heap_live_bytes, gdiag_heap_goal_bytes
//	gdiag_gogc_percent{source}, gdiag_gomemlimit_bytes{source}, gdiag_gomaxprocs_threads{source}
//	gdiag_recommended_gogc_percent, gdiag_recommended_gomemlimit_bytes, gdiag_recommended_gomaxprocs_threads
//	gdiag_recommended_gc_cpu_saving_ratio               predicted by gctune's model
//	gdiag_cgroup_cpu_periods_total{cgroup}, gdiag_cgroup_cpu_throttled_periods_total{cgroup},
//	gdiag_cgroup_cpu_throttled_seconds_total{cgroup}, gdiag_cgroup_cpu_quota_cores{cgroup}
//	gdiag_collector_captures_total, gdiag_collector_captures_refused_total, gdiag_collector_capture_seconds_total,
//	gdiag_collector_stack_dumps_total{result}, gdiag_collector_stack_dump_pause_seconds_total
//
// The recommendation is gctune's, computed service-side from the
// collector's metrics history: package gctune is a pure function of that
// history (no I/O, a few dozen model simulations, well under a millisecond),
// recomputed at most once a minute whatever the scrape rate.
//
// # Alerts
//
// alerts.yml in this directory holds the alerting rules (leaked goroutines
// proven, a site growing for 15 minutes, GC CPU over target, CPU
// throttling); docs/alerts.md is their runbook. Both are tested with
// promtool.
package promexport
