"""The framework floor: a bare Flask route rendering a 12 KB Jinja page with a 20-item loop.

Served by the same gunicorn settings as the portal in the same benchmark run, it
says how fast this machine can serve *any* Flask page; the portal's pages are
reported as a fraction of it (issue 10).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))

ITEMS = [
    {"name": f"Pantofel Kulit Model {i}", "price": f"Rp{450_000 + i * 25_000:,}".replace(",", "."), "stock": i % 7,
     "slug": f"pantofel-kulit-{i}"}
    for i in range(20)
]


@app.get("/floor")
def floor():
    return render_template("floor.html", items=ITEMS, title="Sepatu Cibaduyut")
