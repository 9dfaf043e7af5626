"""Shopper-facing tracking pages, lookup form, embeddable widget; assembled in `shopper`.

This package's modules import each other and are imported by the features that add to a page
(engagement, recommendations, surveys), so this file imports nothing.
"""
