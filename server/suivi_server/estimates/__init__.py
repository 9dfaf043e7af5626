"""Delivery estimates on the server: what is shown, what is learned from each delivery, reports.

The SDK estimates (pure functions of a shipment, its tracking and a clock); this package feeds it
what the database knows: transit counts learned delivery by delivery, the carrier-versus-model
scores, the window shown so far, and reports of how those windows held.
"""
