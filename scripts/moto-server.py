"""Runs moto in server mode on a free loopback port for one test binary.

Prints the port once moto answers, then serves until its stdin closes (the test process that
started it exited), so no moto outlives its tests. Usage: python moto-server.py
"""
import os
import socket
import sys
import time
import urllib.request

for key, value in {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(key, value)

import logging  # noqa: E402

from moto.server import ThreadedMotoServer  # noqa: E402  (after the environment is set)

logging.getLogger("werkzeug").setLevel(logging.ERROR)

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if port == 0:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
deadline = time.time() + 60
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2)
        break
    except Exception:
        if time.time() > deadline:
            sys.exit("moto did not start within 60 s")
        time.sleep(0.05)
print(port, flush=True)
try:
    sys.stdin.read()
finally:
    os._exit(0)
