"""Demo comments for ``portal demo``: reviews by customers who received their shoes, questions with answers.

Reviews come only from real demo buyers (a delivered or completed order of the
product), so every "verified buyer" badge is true. Idempotent: a review is
looked up by (author, product), a question by (author, product, text).
"""
from __future__ import annotations

import datetime as dt
import random

from plugins.comments.models import Comment
from portal.core.db import utcnow
from portal.core.models import Membership, Product, User
from portal.core.orders import COMPLETED, DELIVERED, Order, OrderItem

REVIEWS = {
    5: ["Jahitannya rapi sekali dan kulitnya lembut. Dipakai kerja seharian tetap nyaman.",
        "Ukurannya pas sesuai pesanan, pengerjaan cepat. Terima kasih, Pak Asep!",
        "Sudah tiga kali pesan di sini, kualitasnya selalu konsisten. Recommended.",
        "Kulitnya tebal tapi tidak kaku. Dipakai ke kondangan banyak yang tanya beli di mana."],
    4: ["Bagus dan kuat. Hanya pengirimannya agak lama karena dibuat dulu, tapi sepadan.",
        "Warnanya sedikit lebih gelap dari foto, tapi tetap cakep. Solnya empuk.",
        "Nyaman dipakai, awalnya agak sempit di jari kelingking, seminggu kemudian sudah pas."],
    3: ["Modelnya bagus, tapi tali bawaannya cepat kusut. Saya ganti tali sendiri."],
}
QUESTIONS = [
    ("Apakah model ini bisa dibuat ukuran 45?",
     "Bisa, Kak. Untuk ukuran 44 ke atas ada tambahan waktu pengerjaan dua hari. Silakan tulis ukurannya di catatan pesanan."),
    ("Kulitnya kulit sapi asli atau sintetis?",
     "Kulit sapi asli dari penyamakan di Garut, Kak. Kami tidak memakai kulit sintetis."),
    ("Kalau ukurannya ternyata kurang pas, bisa ditukar?",
     "Bisa tukar ukuran dalam 7 hari setelah diterima, selama belum dipakai di luar. Hubungi kami lewat WhatsApp ya."),
]


def _buyers(shop) -> list[tuple[User, Product, dt.datetime]]:
    """(customer, product, when ordered) of the shop's delivered or completed orders, oldest first."""
    rows = (OrderItem.select(OrderItem, Order, Product, User)
            .join(Order).switch(OrderItem).join(Product).switch(Order).join(User)
            .where((Order.shop == shop) & Order.status.in_((DELIVERED, COMPLETED)))
            .order_by(Order.created_at, OrderItem.id))
    seen, found = set(), []
    for item in rows:
        key = (item.order.customer_id, item.product_id)
        if key not in seen:
            seen.add(key)
            found.append((item.order.customer, item.product, item.order.created_at))
    return found


def load(shop) -> dict:
    rng = random.Random(f"comments-{shop.slug}")
    buyers = _buyers(shop)
    # customer@demo.test first, so the demo customer sees their own reviews; then a spread of others.
    buyers.sort(key=lambda b: b[0].email != "customer@demo.test")
    existing = {(c.author_id, c.product_id) for c in Comment.select(Comment.author, Comment.product)
                .where((Comment.shop == shop) & Comment.rating.is_null(False))}
    owner = (User.select().join(Membership, on=(Membership.user == User.id))
             .where((Membership.shop == shop) & (Membership.role == "owner")).first())
    now = utcnow()
    for index, (customer, product, ordered) in enumerate(buyers[:40]):
        if (customer.id, product.id) in existing:
            continue
        stars = rng.choices([5, 4, 3], weights=[6, 3, 1])[0]
        posted = min(ordered + dt.timedelta(days=rng.randint(8, 20), hours=rng.randint(0, 10)), now)
        comment = Comment.create(shop=shop, product=product, author=customer, author_name=customer.name,
                                 body=rng.choice(REVIEWS[stars]), rating=stars, verified=True, created_at=posted)
        if owner is not None and (stars < 5 or index % 4 == 0):
            Comment.update(reply="Terima kasih atas ulasannya, Kak! Masukannya kami catat untuk pesanan berikutnya.",
                           reply_by=owner, replied_at=posted + dt.timedelta(hours=3)).where(
                Comment.id == comment.id).execute()
    askers = list(User.select().where(User.email.endswith("@example.test")).order_by(User.id).limit(len(QUESTIONS)))
    products = list(Product.select().where((Product.shop == shop) & (Product.is_active == True))  # noqa: E712
                    .order_by(Product.id).limit(len(QUESTIONS)))
    for (question, answer), asker, product in zip(QUESTIONS, askers, products, strict=False):
        if Comment.select().where((Comment.product == product) & (Comment.author == asker)
                                  & (Comment.body == question)).exists():
            continue
        posted = now - dt.timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 12))
        Comment.create(shop=shop, product=product, author=asker, author_name=asker.name, body=question,
                       created_at=posted, reply=answer if owner else "", reply_by=owner,
                       replied_at=posted + dt.timedelta(hours=2) if owner else None)
    total = Comment.select().where(Comment.shop == shop).count()
    reviews = Comment.select().where((Comment.shop == shop) & Comment.rating.is_null(False)).count()
    return {"product comments": total, "product reviews": reviews}
