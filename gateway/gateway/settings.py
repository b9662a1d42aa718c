"""Gateway settings (``GATEWAY_*``, then ``MARKETPLACE_*``)."""
from __future__ import annotations

from chassis.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name = "gateway"
