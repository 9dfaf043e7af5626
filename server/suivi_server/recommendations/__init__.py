"""Product recommendations: the merchant's feed, ranked for one shipment, shown on its page,
widget and delivered email, with every click counted through a Suivi redirect.

feed.py reads feeds (JSON lines, CSV, Google Merchant Center XML and TSV) into validated
products, store.py keeps them per merchant, ranking.py chooses (pure), visibility.py says when
selling is out of place, pages.py and clicks.py serve the page and the redirect, api.py the API.
"""
