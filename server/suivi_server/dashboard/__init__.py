"""The merchant's dashboard under /dashboard: staff login, roles, and the pages features add."""
