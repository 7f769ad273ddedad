"""Which links the owner may enter: handles and https addresses on the right domain, nothing else."""
from __future__ import annotations

import pytest

from plugins.social.links import BY_KEY, LinkError, normalise, whatsapp_url

ACCEPTED = [
    # (network, typed, stored)
    ("instagram", "@sepatucibaduyut", "https://www.instagram.com/sepatucibaduyut/"),
    ("instagram", "sepatu.cibaduyut_1", "https://www.instagram.com/sepatu.cibaduyut_1/"),
    ("instagram", "https://www.instagram.com/sepatucibaduyut/", "https://www.instagram.com/sepatucibaduyut/"),
    ("instagram", "instagram.com/sepatucibaduyut", "https://instagram.com/sepatucibaduyut"),
    ("instagram", "HTTPS://Instagram.COM/SepatuCibaduyut", "https://instagram.com/SepatuCibaduyut"),
    ("instagram", "http://instagram.com/sepatucibaduyut", "https://instagram.com/sepatucibaduyut"),
    ("instagram", "https://instagram.com:443/sepatu", "https://instagram.com/sepatu"),
    ("facebook", "@sepatukulitcibaduyut", "https://www.facebook.com/sepatukulitcibaduyut"),
    ("facebook", "https://m.facebook.com/sepatukulit?ref=bookmarks", "https://m.facebook.com/sepatukulit?ref=bookmarks"),
    ("facebook", "https://web.facebook.com/groups/sepatu.cibaduyut/", "https://web.facebook.com/groups/sepatu.cibaduyut/"),
    ("tiktok", "@sepatucibaduyut", "https://www.tiktok.com/@sepatucibaduyut"),
    ("tiktok", "https://www.tiktok.com/@sepatucibaduyut", "https://www.tiktok.com/@sepatucibaduyut"),
    ("youtube", "@sepatukulit", "https://www.youtube.com/@sepatukulit"),
    ("youtube", "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
    ("youtube", "https://www.youtube.com/channel/UC123", "https://www.youtube.com/channel/UC123"),
    ("tokopedia", "https://www.tokopedia.com/sepatucibaduyut", "https://www.tokopedia.com/sepatucibaduyut"),
    ("tokopedia", "tokopedia.com/sepatucibaduyut", "https://tokopedia.com/sepatucibaduyut"),
    ("shopee", "https://shopee.co.id/sepatukulit", "https://shopee.co.id/sepatukulit"),
    ("shopee", "https://id.shp.ee/abc123", "https://id.shp.ee/abc123"),
    ("bukalapak", "https://www.bukalapak.com/u/sepatucibaduyut", "https://www.bukalapak.com/u/sepatucibaduyut"),
    ("lazada", "https://www.lazada.co.id/shop/sepatu-cibaduyut", "https://www.lazada.co.id/shop/sepatu-cibaduyut"),
    ("blibli", "https://www.blibli.com/merchant/sepatu/SEC-60001", "https://www.blibli.com/merchant/sepatu/SEC-60001"),
    ("instagram", "", ""),
    ("instagram", "   ", ""),
]


@pytest.mark.parametrize(("network", "typed", "stored"), ACCEPTED, ids=[f"{n}:{t}" for n, t, _ in ACCEPTED])
def test_accepted(network, typed, stored):
    assert normalise(BY_KEY[network], typed) == stored


REFUSED = [
    # (network, typed, words the message must hold)
    ("instagram", "javascript:alert(1)", "Only web addresses starting with https://"),
    ("instagram", "JaVaScRiPt:alert(document.cookie)", "Only web addresses starting with https://"),
    ("instagram", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "Only web addresses starting with https://"),
    ("instagram", "vbscript:msgbox(1)", "Only web addresses starting with https://"),
    ("instagram", "file:///etc/passwd", "Only web addresses starting with https://"),
    ("facebook", "mailto:owner@example.com", "Only web addresses starting with https://"),
    ("instagram", "http://evil.example/sepatu", "on instagram.com"),
    ("instagram", "https://evil.example/instagram.com/x", "on instagram.com"),
    ("instagram", "https://instagram.com.evil.example/x", "on instagram.com"),
    ("instagram", "https://evilinstagram.com/x", "on instagram.com"),
    ("instagram", "https://instagram.com@evil.example/x", "on instagram.com"),
    ("instagram", "https://user:pw@instagram.com/x", "on instagram.com"),
    ("instagram", "https://instagram.com:8080/x", "on instagram.com"),
    ("instagram", "//evil.example/x", "on instagram.com"),
    ("instagram", "https://instagram.com/", "not only instagram.com"),
    ("instagram", "https://www.instagram.com", "not only www.instagram.com"),
    ("tiktok", "https://www.youtube.com/@sepatu", "on tiktok.com"),
    ("tokopedia", "@sepatucibaduyut", "store on tokopedia.com"),
    ("tokopedia", "https://shopee.co.id/sepatu", "store on tokopedia.com"),
    ("shopee", "https://shopee.com.evil.example/x", "store on shopee.co.id"),
    ("blibli", "http://blibli.com.evil.example/", "store on blibli.com"),
    ("instagram", 'https://instagram.com/x"onmouseover="alert(1)', "characters a web address cannot have"),
    ("instagram", "https://instagram.com/<script>", "characters a web address cannot have"),
    ("instagram", "https://instagram.com/x\\@evil.example", "characters a web address cannot have"),
    ("instagram", "https://instagram.com/sepatu cibaduyut", "spaces and invisible characters"),
    ("instagram", "@sepatu\u200bcibaduyut", "spaces and invisible characters"),
    ("instagram", "https://instagram.com/\u202esepatu", "spaces and invisible characters"),
    ("instagram", "https://instagram.com/x\r\nSet-Cookie: a=b", "spaces and invisible characters"),
    ("instagram", "@sepatu<script>", "characters a web address cannot have"),
    ("youtube", "https://www.youtube.com/" + "a" * 400, "too long"),
]


@pytest.mark.parametrize(("network", "typed", "words"), REFUSED, ids=[f"{n}:{t[:40]}" for n, t, _ in REFUSED])
def test_refused_with_a_clear_message(portal_app, network, typed, words):
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(LinkError) as refused:
            normalise(BY_KEY[network], typed)
        assert words in str(refused.value.message)


@pytest.mark.parametrize(
    ("number", "text", "url"),
    [
        ("+6281234567890", None, "https://wa.me/6281234567890"),
        ("+6281234567890", "Halo & apa kabar? 100% #1 /p/x", "https://wa.me/6281234567890?text=Halo%20%26%20apa%20kabar%3F%20100%25%20%231%20%2Fp%2Fx"),
        ("", "x", None),
        ("+15551234567", None, None),
        ("javascript:alert(1)", None, None),
    ],
)
def test_whatsapp_url(number, text, url):
    assert whatsapp_url(number, text) == url
