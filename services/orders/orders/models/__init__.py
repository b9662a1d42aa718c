"""Orders tables (the chassis tables live in ``chassis.tables``)."""
from orders.models.base import Base
from orders.models.fulfilment import Return, ReturnLine, Shipment, ShipmentLine
from orders.models.orders import Order, OrderLine, TimelineEntry, VendorOrder
from orders.models.refunds import RefundRequest

__all__ = ["Base", "Order", "OrderLine", "RefundRequest", "Return", "ReturnLine", "Shipment", "ShipmentLine",
           "TimelineEntry", "VendorOrder"]
