"""Lake and archive I/O: filesystems from URLs, raw file listings, small JSON state files."""
