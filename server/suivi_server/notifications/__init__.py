"""Proactive notifications: rules decide what is written to the outbox, the sender delivers it.

The outbox is the only path to a shopper. Rows are written in the transaction that records the
situation causing them (`planner`), and the sender (`sender`) claims, renders and delivers them
through channels found in the `suivi.channels` entry-point group (`channels`).
"""
