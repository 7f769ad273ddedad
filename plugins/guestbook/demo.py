"""Demo entries for the shoe workshop's guestbook (``portal demo`` / ``make run``)."""
from __future__ import annotations

import datetime as dt

from plugins.guestbook.models import GuestbookEntry
from portal.core.db import utcnow
from portal.core.models import User

DEMO_SHOPS = {"cibaduyut", "sepatu-cibaduyut"}
OWNER = "owner@demo.test"

# (days ago, name, customer e-mail or None, rating, message, reply, state)
ENTRIES = [
    (86, "Rizky Pratama", None, 5,
     "Pesan pantofel oxford untuk wisuda, jadinya pas sekali di kaki. Jahitannya rapi dan kulitnya wangi. "
     "Terima kasih Pak Asep!",
     "Terima kasih Mas Rizky, selamat atas wisudanya! Jangan lupa semir tipis sebulan sekali supaya kulitnya awet.",
     "shown"),
    (74, "Dewi Lestari", None, 5,
     "Sepatu boots untuk suami sampai di Surabaya dalam 3 hari, dibungkus rapi pakai kardus tebal. Suami senang sekali.",
     "", "shown"),
    (63, "Budi Santoso", "customer@demo.test", 4,
     "Ukurannya sedikit longgar di tumit, tapi setelah ditukar ukurannya pas. Prosesnya cepat dan ramah.",
     "Terima kasih sudah sabar, Pak Budi. Untuk model derby kami sarankan ambil setengah nomor lebih kecil.",
     "shown"),
    (55, "Siti Nurhaliza", None, 5,
     "Akhirnya ada sepatu kulit wanita hak rendah yang nyaman dipakai kerja seharian. Sudah pesan warna kedua!",
     "", "shown"),
    (47, "Agus Setiawan", None, 3,
     "Barangnya bagus, tapi pengerjaannya molor seminggu dari janji awal. Mohon kabari lebih awal kalau ada keterlambatan.",
     "Mohon maaf Pak Agus, bulan itu pesanan menjelang Lebaran sedang banyak. Sekarang status pesanan bisa dipantau "
     "langsung di halaman pesanan, jadi tidak perlu menelepon lagi.",
     "shown"),
    (39, "Putri Ayu", None, None,
     "Apakah bisa pesan sepatu anak ukuran 28 dengan warna merah? Terima kasih.",
     "Bisa, Kak Putri. Silakan pilih Sepatu Anak Kulit Lembut lalu tulis warnanya di catatan pesanan.",
     "shown"),
    (31, "Hendra Wijaya", None, 5,
     "Sudah tiga kali pesan di sini sejak 2019. Sol karetnya awet, kulitnya makin bagus dipakai lama. Mantap!",
     "", "shown"),
    (24, "Rina Marlina", None, 4,
     "Chelsea boots suede-nya cantik. Saran: tambahkan pilihan warna hijau zaitun ya.",
     "Usul yang bagus, Bu Rina. Kulit suede hijau zaitun sedang kami cari dari pemasok di Garut.",
     "shown"),
    (16, "Yusuf Hidayat", None, 5,
     "Transfer pagi, sore sudah dikonfirmasi. Sepatunya dibuat dua minggu, sesuai janji. Recommended buat seragam kantor.",
     "", "shown"),
    (9, "Wulan Sari", None, 5,
     "Beli sneakers kulit putih untuk hadiah ulang tahun adik. Kotaknya juga bagus, tidak perlu dibungkus lagi.",
     "", "shown"),
    (4, "Promo Murah", None, None,
     "JUAL FOLLOWER MURAH!!! kunjungi www.follower-murah.example sekarang juga",
     "", "hidden"),
    (1, "Fajar Nugroho", None, 4,
     "Baru pertama kali pesan online di sini. Apakah bisa ambil sendiri di bengkel hari Sabtu?",
     "", "pending"),
]


def load(shop) -> dict | None:
    if shop.slug not in DEMO_SHOPS:
        return None
    owner = User.get_or_none(User.email == OWNER)
    now = utcnow().replace(second=0, microsecond=0)
    for days, name, email, rating, message, reply, state in ENTRIES:
        exists = GuestbookEntry.select().where(
            (GuestbookEntry.shop == shop) & (GuestbookEntry.name == name) & (GuestbookEntry.message == message)
        ).exists()
        if exists:
            continue
        created = now - dt.timedelta(days=days, hours=(days * 7) % 11)
        GuestbookEntry.create(
            shop=shop, name=name, message=message, rating=rating, created_at=created,
            user=User.get_or_none(User.email == email) if email else None,
            is_hidden=state != "shown", is_pending=state == "pending",
            reply=reply, replied_at=created + dt.timedelta(hours=5) if reply else None,
            replied_by=owner if reply else None,
        )
    return {"guestbook entries": GuestbookEntry.select().where(GuestbookEntry.shop == shop).count()}
