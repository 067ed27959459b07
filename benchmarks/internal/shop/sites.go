package shop

// site is one go statement of the workload: what its goroutines block on,
// how deep their stacks are (in layers) and how many of them there are.
type site struct {
	start              func(s *Shop, c *call)
	kind               kind
	minDepth, maxDepth int
	weight             int
	labels             bool
}

// sites lists the 40 creation sites; each start function holds its own go
// statement, so the dump shows 40 distinct "created by" frames.
func sites() []site {
	return []site{
		{(*Shop).startOrderConsumer, kChanRecv, 2, 12, 60, true},
		{(*Shop).startPaymentWorker, kChanRecv, 4, 20, 40, false},
		{(*Shop).startEventPublisher, kChanSend, 2, 10, 35, false},
		{(*Shop).startAuditLogger, kChanSend, 1, 6, 20, false},
		{(*Shop).startLegacyNotifier, kChanRecvNil, 2, 8, 6, false},
		{(*Shop).startStaleExporter, kChanSendNil, 1, 5, 4, false},
		{(*Shop).startSessionReaper, kSelect, 1, 8, 50, false},
		{(*Shop).startCartWatcher, kSelect, 3, 18, 45, true},
		{(*Shop).startPriceRefresher, kSelectTimer, 2, 10, 30, false},
		{(*Shop).startRateLimiter, kSelectTimer, 1, 6, 25, false},
		{(*Shop).startShutdownWaiter, kSelectNoCases, 1, 3, 5, false},
		{(*Shop).startInventoryWriter, kMutex, 4, 24, 40, true},
		{(*Shop).startStatsAggregator, kMutex, 2, 10, 20, false},
		{(*Shop).startCatalogReader, kRLock, 3, 16, 45, true},
		{(*Shop).startConfigReader, kRLock, 1, 6, 20, false},
		{(*Shop).startCatalogReloader, kLock, 2, 8, 8, false},
		{(*Shop).startBatchCoordinator, kWaitGroup, 2, 12, 25, false},
		{(*Shop).startShardFanout, kWaitGroup, 5, 30, 12, false},
		{(*Shop).startQueueConsumer, kCond, 3, 14, 30, false},
		{(*Shop).startBackpressureGate, kCond, 1, 8, 15, false},
		{(*Shop).startRetryBackoff, kSleep, 2, 16, 30, false},
		{(*Shop).startWarmupDelay, kSleep, 1, 4, 10, false},
		{(*Shop).startMetricsFlusher, kTicker, 1, 5, 15, false},
		{(*Shop).startHeartbeatSender, kTicker, 2, 8, 12, false},
		{(*Shop).startUpstreamReader, kNetRead, 4, 28, 90, true},
		{(*Shop).startReplicaStreamer, kNetRead, 2, 12, 50, false},
		{(*Shop).startGossipListener, kNetRead, 1, 6, 25, false},
		{(*Shop).startCacheClient, kNetRead, 6, 32, 40, true},
		{(*Shop).startLogTailer, kPipeRead, 1, 6, 10, false},
		{(*Shop).startChildProcessWatcher, kPipeRead, 2, 8, 6, false},
		{(*Shop).startCheckoutPoller, kHTTPPoll, 2, 10, 20, true},
		{(*Shop).startWebhookWaiter, kHTTPPoll, 1, 6, 10, false},
		{(*Shop).startFraudScorer, kRunning, 4, 20, 1, false},
		{(*Shop).startSearchIndexer, kRunning, 2, 12, 1, false},
		{(*Shop).startShipmentTracker, kChanRecv, 8, 30, 25, false},
		{(*Shop).startRecommendationWorker, kSelect, 6, 28, 30, true},
		{(*Shop).startLedgerWriter, kMutex, 8, 32, 15, false},
		{(*Shop).startReportBuilder, kWaitGroup, 3, 10, 10, false},
		{(*Shop).startEmailSender, kChanRecv, 2, 9, 20, false},
		{(*Shop).startPromoScheduler, kSelectTimer, 3, 12, 15, true},
	}
}

func (s *Shop) startOrderConsumer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startPaymentWorker(c *call) { go func() { s.run(c) }() }

func (s *Shop) startEventPublisher(c *call) { go func() { s.run(c) }() }

func (s *Shop) startAuditLogger(c *call) { go func() { s.run(c) }() }

func (s *Shop) startLegacyNotifier(c *call) { go func() { s.run(c) }() }

func (s *Shop) startStaleExporter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startSessionReaper(c *call) { go func() { s.run(c) }() }

func (s *Shop) startCartWatcher(c *call) { go func() { s.run(c) }() }

func (s *Shop) startPriceRefresher(c *call) { go func() { s.run(c) }() }

func (s *Shop) startRateLimiter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startShutdownWaiter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startInventoryWriter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startStatsAggregator(c *call) { go func() { s.run(c) }() }

func (s *Shop) startCatalogReader(c *call) { go func() { s.run(c) }() }

func (s *Shop) startConfigReader(c *call) { go func() { s.run(c) }() }

func (s *Shop) startCatalogReloader(c *call) { go func() { s.run(c) }() }

func (s *Shop) startBatchCoordinator(c *call) { go func() { s.run(c) }() }

func (s *Shop) startShardFanout(c *call) { go func() { s.run(c) }() }

func (s *Shop) startQueueConsumer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startBackpressureGate(c *call) { go func() { s.run(c) }() }

func (s *Shop) startRetryBackoff(c *call) { go func() { s.run(c) }() }

func (s *Shop) startWarmupDelay(c *call) { go func() { s.run(c) }() }

func (s *Shop) startMetricsFlusher(c *call) { go func() { s.run(c) }() }

func (s *Shop) startHeartbeatSender(c *call) { go func() { s.run(c) }() }

func (s *Shop) startUpstreamReader(c *call) { go func() { s.run(c) }() }

func (s *Shop) startReplicaStreamer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startGossipListener(c *call) { go func() { s.run(c) }() }

func (s *Shop) startCacheClient(c *call) { go func() { s.run(c) }() }

func (s *Shop) startLogTailer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startChildProcessWatcher(c *call) { go func() { s.run(c) }() }

func (s *Shop) startCheckoutPoller(c *call) { go func() { s.run(c) }() }

func (s *Shop) startWebhookWaiter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startFraudScorer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startSearchIndexer(c *call) { go func() { s.run(c) }() }

func (s *Shop) startShipmentTracker(c *call) { go func() { s.run(c) }() }

func (s *Shop) startRecommendationWorker(c *call) { go func() { s.run(c) }() }

func (s *Shop) startLedgerWriter(c *call) { go func() { s.run(c) }() }

func (s *Shop) startReportBuilder(c *call) { go func() { s.run(c) }() }

func (s *Shop) startEmailSender(c *call) { go func() { s.run(c) }() }

func (s *Shop) startPromoScheduler(c *call) { go func() { s.run(c) }() }
