"""A TCP port that accepts connections and never answers; writes its port to argv[1], exits after argv[2] s."""
import socket
import sys
import time

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
with open(sys.argv[1], "w") as handle:
    handle.write(f"{server.getsockname()[1]}\n")
time.sleep(float(sys.argv[2]))
server.close()
