"""A person's own data: the download a learner takes away, and deletion by an admin."""
