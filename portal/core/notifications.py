"""Who is told what when an order changes (e-mail in the customer's language).

Filled in by the orders work: maps order actions to mail templates.
"""
from __future__ import annotations


def order_changed(order, action, actor=None, role=None):
    """Queue the e-mails that ``action`` on ``order`` calls for (after commit)."""
    return None
