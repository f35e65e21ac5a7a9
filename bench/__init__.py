"""`make bench`: a benchmark of the sign-in journey on a throttled phone (not a test)."""
