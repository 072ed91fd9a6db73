#!/usr/bin/env python3
"""The ratios of Benchmarks/receive.sh: arguments BARE ACUHOOK FLASK DISPATCHING MEMORY LOG (req/s).
"""
import sys
bare, acu, flask, dispatching, memory, log = map(float, sys.argv[1:7])
print(f"acuhook / bare route = {acu / bare:.2f}x (goal >= 0.8)")
print(f"acuhook / flask      = {acu / flask:.1f}x")
print(f"acuhook with dispatch / bare route = {dispatching / bare:.2f}x (goal >= 0.5, backlog not growing)")
print(f"floors: receiver on the in-memory store / bare = {memory / bare:.2f}x; on an intake log / bare = {log / bare:.2f}x; acuhook / intake log = {acu / log:.2f}x")
