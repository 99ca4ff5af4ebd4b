"""What the suite makes on the target for the tests that need it, and what it may use.

The inventory of servers and disks the suite may back up, leased between tests (inventory);
vaults, policies and backups made for a test and always deleted again (provision, backups,
tasks); and resources made once for a whole run and shared by read-only tests (run_shared,
shared_backups).
"""
