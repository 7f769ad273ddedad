"""Believable demo conversations for ``portal demo`` (idempotent: only what is missing is made)."""
from __future__ import annotations

import datetime as dt
import secrets

from plugins.chat import models
from portal.core.db import utcnow
from portal.core.models import User
from portal.core.orders import Order

DEMO_SHOP = "sepatu-cibaduyut"


def _user(email):
    return User.get_or_none(User.email == email)


def _conversation(shop, name, email="", customer=None, order=None, minutes_ago=0, lines=(), status=models.OPEN):
    c, m = models.ChatConversation, models.ChatMessage
    # Known by its first message, so running the demo again adds nothing.
    if m.select().join(c).where((c.shop == shop) & (m.body == lines[0][2])).exists():
        return 0
    start = utcnow() - dt.timedelta(minutes=minutes_ago)
    conv = c.create(shop=shop, customer=customer, guest_key=None if customer else secrets.token_urlsafe(24),
                    name=name, email=email, order=order, status=status, created_at=start, last_message_at=start)
    unread_staff = unread_customer = 0
    for i, (sender, author, body) in enumerate(lines):
        at = start + dt.timedelta(minutes=2 * i)
        models.ChatMessage.create(conversation=conv, sender=sender, author=author if sender == models.STAFF else customer,
                                  author_name=author.name if sender == models.STAFF else name, body=body,
                                  created_at=at)
        if sender == models.CUSTOMER:
            unread_staff, unread_customer = unread_staff + 1, 0
        else:
            unread_customer, unread_staff = unread_customer + 1, 0
        conv.last_message_at = at
    conv.unread_staff, conv.unread_customer = unread_staff, 0
    conv.save()
    return 1


def load(shop):
    if shop.slug != DEMO_SHOP:
        return None
    owner, staff, dewi = _user("owner@demo.test"), _user("staff@demo.test"), _user("customer@demo.test")
    if owner is None or staff is None:
        return None
    order = None
    if dewi is not None:
        order = (Order.select().where((Order.shop == shop) & (Order.customer == dewi))
                 .order_by(Order.created_at.desc()).first())
    made = 0
    if dewi is not None:
        made += _conversation(
            shop, dewi.name, dewi.email, customer=dewi, order=order, minutes_ago=90, lines=[
                (models.CUSTOMER, None, "Selamat siang, Kang. Pesanan saya sudah sampai tahap mana ya?"),
                (models.STAFF, staff, "Siang, Teh Dewi. Sepatunya sedang dijahit, insyaallah Kamis sudah bisa dikirim."),
                (models.CUSTOMER, None, "Alhamdulillah. Kalau bisa solnya yang karet ya, biar tidak licin."),
            ])
        made += _conversation(
            shop, dewi.name, dewi.email, customer=dewi, minutes_ago=60 * 24 * 20, status=models.CLOSED, lines=[
                (models.CUSTOMER, None, "Apakah ada ukuran 38 untuk loafer cokelat?"),
                (models.STAFF, owner, "Ada, Teh. Bisa juga dibuat khusus sesuai ukuran kaki."),
            ])
    made += _conversation(
        shop, "Budi Santoso", "budi.santoso@example.test", minutes_ago=25, lines=[
            (models.CUSTOMER, None, "Punten, bisa pesan pantofel hitam ukuran 44? Untuk wisuda bulan depan."),
            (models.STAFF, owner, "Bisa, Pak Budi. Pengerjaan sekitar 10 hari kerja."),
            (models.CUSTOMER, None, "Siap. Ongkir ke Cimahi berapa ya?"),
        ])
    made += _conversation(
        shop, "Nur Aini", "", minutes_ago=5, lines=[
            (models.CUSTOMER, None, "Halo, sepatu boots kulit ada warna tan? Terima kasih."),
        ])
    if not models.ChatPresence.select().where(models.ChatPresence.shop == shop).exists():
        models.set_presence(shop, staff, True)
    return {"chat conversations": models.ChatConversation.select().where(models.ChatConversation.shop == shop).count(),
            "chat conversations added": made}
