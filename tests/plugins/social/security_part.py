"""The social-links plugin's part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import OWNER_X, Entry, sx

PLUGIN = "social"
S = "plugins.social.forms"


def build(app, w):
    from plugins.social import models

    for key, d in (("X", w.x), ("Y", w.y)):
        # Links in both shops, so a refused request that wrote anything shows in the fingerprint.
        d.extra["social"] = models.save(d.shop, {"whatsapp": "+6281234567890", "product_button": True,
                                                 "instagram": f"https://www.instagram.com/shop{key.lower()}/"})


MATRIX = {
    # The links speak for the shop: its owner only (staff, the other shop's owner and customers are refused).
    "social.settings": Entry("role", OWNER_X, lambda w: f"{sx(w)}/social/manage/", plugin=PLUGIN),
}

FORMS = {
    "social.settings": ("owner_x", _form(S, "SocialLinksForm", prefix="social")),
}
