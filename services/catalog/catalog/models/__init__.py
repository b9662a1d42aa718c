"""Catalog tables (the chassis tables live in ``chassis.tables``)."""
from catalog.models.base import Base
from catalog.models.categories import Category, CategoryAttribute
from catalog.models.content import Page, ProductMedia
from catalog.models.imports import ImportError_, ImportJob
from catalog.models.offers import Offer, OrderReservation, Reservation, StockMovement, VendorState
from catalog.models.products import Product

__all__ = ["Base", "Category", "CategoryAttribute", "ImportError_", "ImportJob", "Offer", "OrderReservation",
           "Page", "Product", "ProductMedia", "Reservation", "StockMovement", "VendorState"]
