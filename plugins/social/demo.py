"""Links for the demo shoe workshop (``portal demo`` / ``make run``)."""
from __future__ import annotations

from plugins.social.models import SocialLinks, save

DEMO_SHOPS = {"cibaduyut", "sepatu-cibaduyut"}
LINKS = {
    "whatsapp": "+6281220001001",
    "instagram": "https://www.instagram.com/sepatukulitcibaduyut/",
    "facebook": "https://www.facebook.com/sepatukulitcibaduyut",
    "tiktok": "https://www.tiktok.com/@sepatucibaduyut",
    "youtube": "https://www.youtube.com/@sepatukulitcibaduyut",
    "tokopedia": "https://www.tokopedia.com/sepatucibaduyut",
    "shopee": "https://shopee.co.id/sepatukulitcibaduyut",
    "product_button": True,
}


def load(shop) -> dict | None:
    if shop.slug not in DEMO_SHOPS:
        return None
    if not SocialLinks.select().where(SocialLinks.shop == shop).exists():
        save(shop, {**LINKS, "whatsapp": shop.whatsapp or LINKS["whatsapp"]})
    return {"social links": 1}
