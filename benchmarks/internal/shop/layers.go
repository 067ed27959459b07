package shop

// A layer is one level of the recursion that gives the goroutines their
// depth: each looks like a piece of a service's request path, passes a few
// arguments on and calls the next layer, or blocks at the bottom.
type layer func(c *call, id int, key string)

const numLayers = 8

func layerTable() [numLayers]layer {
	return [numLayers]layer{
		routeRequest, checkAuth, placeOrder, queryInventory,
		withRetry, decodeCart, loadFromCache, traceSpan,
	}
}

//go:noinline
func routeRequest(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+len(key), "/api/v2/orders")
		return
	}
	c.s.block(c)
}

//go:noinline
func checkAuth(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id*3+1, key)
		return
	}
	c.s.block(c)
}

//go:noinline
func placeOrder(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+7, "order:"+key[:min(len(key), 4)])
		return
	}
	c.s.block(c)
}

//go:noinline
func queryInventory(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id^0x55, "SELECT sku FROM stock")
		return
	}
	c.s.block(c)
}

//go:noinline
func withRetry(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+1, key)
		return
	}
	c.s.block(c)
}

//go:noinline
func decodeCart(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+2, "cart")
		return
	}
	c.s.block(c)
}

//go:noinline
func loadFromCache(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+5, key)
		return
	}
	c.s.block(c)
}

//go:noinline
func traceSpan(c *call, id int, key string) {
	if next := c.step(id); next != nil {
		next(c, id+11, "span")
		return
	}
	c.s.block(c)
}
