"""launchkit.paas sandbox: a stateful local stand-in for the vendor APIs the collection drives.

Run it with ``python -m sandbox.server --host 127.0.0.1 --port 8765 --state-dir .sandbox``.
See docs/sandbox.md.
"""
from __future__ import annotations

__all__ = ["VENDOR_MODULES"]

# Each module registers one vendor (a VendorAPI subclass decorated with @register_vendor).
# Adding a vendor = writing a new module and listing it here.
VENDOR_MODULES: tuple[str, ...] = ("sandbox.render", "sandbox.upstash", "sandbox.sendgrid", "sandbox.sentry",
                                   "sandbox.fly", "sandbox.apps", "sandbox.grafana", "sandbox.slack",
                                   "sandbox.vercel", "sandbox.upstash_rest")
