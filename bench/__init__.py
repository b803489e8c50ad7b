"""`make bench`: cold start, import time, package sizes and local latency, one module per topic."""
