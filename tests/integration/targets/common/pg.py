"""Run one SQL statement on PG_URL (autocommit) and print the rows as JSON: the targets' own eyes on the database."""
from __future__ import annotations

import json
import os
import sys

import psycopg2

connection = psycopg2.connect(os.environ["PG_URL"])
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute(sys.argv[1])
    rows = cursor.fetchall() if cursor.description else []
connection.close()
print(json.dumps([list(row) for row in rows], default=str))
