"""Administration: accounts, bulk import, sign-in cards, areas, required modules, audit log."""
