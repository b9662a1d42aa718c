"""Orders service: order placement, vendor orders, the order saga, fulfilment and returns."""
