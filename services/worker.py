"""The message worker: `huey_consumer services.worker.huey -k thread -w 4`.

It builds the app from the same environment as the web servers (the same QUEUE_URI,
database, gateways and SECRET_KEY) and sends what their requests put in the queue.
"""
from app import create_app
from services.queue import huey_of

app = create_app()
huey = huey_of(app)
