"""`make load`: load and faults on loopback (issue 8, item 7).

    python -m load.run [--out reports/load] [--users 200] [--seconds 60]

The script starts its own PostgreSQL, its own Redis, a mail server and an SMS gateway
that keep what they receive (the outbox the virtual people read their codes from) and the
app under gunicorn with production settings (4 workers), seeds accounts in first-login
state, then:

1. load: locust (headless, as a library, in its own process) runs 200 simultaneous
   virtual people through the whole first-login journey for 60 s (load/locustfile.py);
2. attacker: 100 wrong passwords for one account, spread over every worker from rotating
   addresses; no more than 5 may be counted before the 429s (load/faults.py);
3. Redis stopped while people are mid-journey: the app keeps serving, the limiter falls
   back to memory and says so in the log, nobody loses their place;
4. PostgreSQL stopped and started under traffic: requests recover without a manual step.

Everything binds 127.0.0.1 and is stopped at the end, also on error or Ctrl-C.
"""
