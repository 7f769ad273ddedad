"""Demo forum for ``portal demo``: three categories and a dozen Indonesian threads with replies.

Filled only in the demo shop that has the demo team (the Cibaduyut workshop); idempotent:
categories and threads are looked up by name and title, and only missing ones are added.
"""
from __future__ import annotations

import datetime as dt

from plugins.forum.models import ForumCategory, ForumPost, ForumReport, ForumThread
from portal.core.db import utcnow
from portal.core.models import Membership, User

CATEGORIES = [
    ("Perawatan sepatu", "Cara membersihkan, menyemir dan menyimpan sepatu kulit supaya awet."),
    ("Ukuran & pemesanan", "Tanya ukuran, lama pengerjaan, pembayaran dan pengiriman pesanan."),
    ("Pamer sepatumu", "Tunjukkan sepatu Cibaduyut kesayanganmu dan ceritakan pengalamanmu."),
]

# (category index, author key, title, opening post, [(author key, reply)], flags)
# Author keys: "customer" (customer@demo.test), "staff", "owner", or "c<n>" for the n-th demo customer.
THREADS = [
    (0, "customer", "Cara menyemir pantofel kulit hitam?",
     "Pantofel saya mulai kusam. Semir apa yang cocok, dan seberapa sering sebaiknya disemir?",
     [("staff", "Pakai semir krim hitam tipis-tipis, diamkan **10 menit**, lalu gosok dengan kain katun. "
                "Cukup seminggu sekali kalau dipakai tiap hari."),
      ("c1", "Saya juga pakai cara itu, hasilnya mengkilap. Jangan lupa sikat dulu debunya."),
      ("customer", "Terima kasih, nanti saya coba akhir pekan ini!")], {"is_pinned": True}),
    (0, "c2", "Sepatu kulit kena hujan, harus bagaimana?",
     "Kemarin kehujanan di jalan, sekarang kulitnya agak kaku. Apa yang harus saya lakukan?",
     [("owner", "Keringkan di tempat teduh, **jangan dijemur** atau pakai hair dryer. Isi dengan kertas koran "
                "supaya bentuknya terjaga, lalu oles *leather conditioner* setelah kering."),
      ("c2", "Siap, Pak Asep. Untung belum saya jemur.")], {}),
    (0, "c3", "Menyimpan sepatu yang jarang dipakai",
     "Saya punya sepatu pesta yang cuma dipakai beberapa kali setahun. Bagaimana menyimpannya?",
     [("staff", "Simpan di kotak dengan *shoe tree* kayu dan kantong kain, jauhkan dari tempat lembap."),
      ("c4", "Silica gel di dalam kotak juga membantu.")], {}),
    (0, "c5", "Sol mulai menipis, bisa diganti?",
     "Sepatu yang saya beli dua tahun lalu solnya mulai tipis. Apakah bengkel bisa mengganti sol saja?",
     [("owner", "Bisa. Bawa ke bengkel kami di Cibaduyut, ganti sol karet mulai Rp85.000, sekitar 3 hari kerja.")],
     {}),
    (1, "c6", "Ukuran 43 atau 44 untuk kaki lebar?",
     "Panjang kaki saya 27 cm tapi lebar. Sebaiknya pesan ukuran berapa?",
     [("staff", "Untuk kaki lebar kami sarankan **44**, atau pesan ukuran 43 dengan catatan *lebar* saat checkout. "
                "Kami buat sesuai pesanan, jadi lebarnya bisa disesuaikan."),
      ("c6", "Baik, saya pesan 43 lebar saja.")], {"is_pinned": True}),
    (1, "customer", "Berapa lama pengerjaan pesanan custom?",
     "Kalau pesan sepatu boots custom dengan nama di bagian dalam, berapa lama jadinya?",
     [("owner", "Biasanya 10–14 hari kerja setelah pembayaran terverifikasi, tergantung antrean produksi."),
      ("c7", "Pesanan saya kemarin jadi 12 hari, sesuai janji.")], {}),
    (1, "c8", "Bisa bayar lewat transfer BRI?",
     "Saya tidak punya rekening BCA. Apakah bisa transfer dari BRI?",
     [("staff", "Bisa, rekening kami tercantum di halaman *Tentang kami*. Setelah transfer, unggah bukti "
                "di halaman pesanan ya.")], {}),
    (1, "c9", "Pengiriman ke Makassar berapa hari?",
     "Apakah bisa kirim ke Makassar, dan kira-kira berapa lama sampainya?",
     [("staff", "Bisa, lewat ekspedisi sekitar 4–6 hari. Ongkir muncul otomatis saat checkout."),
      ("c9", "Oke, terima kasih infonya.")], {"is_locked": True}),
    (1, "c10", "Tukar ukuran kalau kekecilan?",
     "Kalau sepatu yang datang ternyata kekecilan, apakah bisa ditukar?",
     [("owner", "Bisa ditukar sekali dalam 7 hari selama belum dipakai di luar. Hubungi kami lewat chat dulu ya.")],
     {}),
    (2, "c11", "Boots kulit coklat pesanan saya sudah datang!",
     "Jahitannya rapi dan kulitnya tebal. Sudah saya pakai ke kantor seminggu, nyaman sekali.",
     [("owner", "Terima kasih banyak, senang mendengarnya! Jangan lupa dirawat dengan conditioner sebulan sekali."),
      ("c12", "Keren! Jadi pengin pesan juga.")], {}),
    (2, "c13", "Pantofel untuk wisuda anak",
     "Anak saya wisuda bulan lalu pakai pantofel dari sini. Banyak temannya yang tanya beli di mana.",
     [("c14", "Wah selamat untuk anaknya!"),
      ("staff", "Selamat! Terima kasih sudah mempercayakan sepatu wisudanya kepada kami.")], {}),
    (2, "customer", "Sepatu pertama buatan Cibaduyut",
     "Dulu selalu beli sepatu impor, ternyata buatan Cibaduyut tidak kalah. Ini pantofel hitam pertama saya.",
     [("c15", "Setuju, kualitas kulit di sini bagus."),
      ("owner", "Terima kasih, Bu Dewi. Semoga awet dan nyaman dipakai.")], {}),
]


def _people(shop) -> dict:
    people = {}
    for m in Membership.select(Membership, User).join(User).where(Membership.shop == shop):
        if m.role in ("owner", "staff") and m.role not in people:
            people[m.role] = m.user
    people["customer"] = User.get_or_none(User.email == "customer@demo.test")
    try:
        from portal.demo import demo_customers

        emails = [email for email, _name, _phone in demo_customers()][:16]
    except ImportError:  # pragma: no cover - a portal without core's demo module
        emails = []
    found = {u.email: u for u in User.select().where(User.email.in_(emails))} if emails else {}
    for i, email in enumerate(emails, start=1):
        people[f"c{i}"] = found.get(email) or people["customer"]
    return people


def load(shop) -> dict | None:
    is_demo_shop = (Membership.select().join(User)
                    .where((Membership.shop == shop) & (User.email == "staff@demo.test")).exists())
    if not is_demo_shop:
        return None
    people = _people(shop)
    if people.get("customer") is None or "owner" not in people:
        return None
    people.setdefault("staff", people["owner"])

    cats = []
    for position, (name, description) in enumerate(CATEGORIES, start=1):
        cat = ForumCategory.get_or_none((ForumCategory.shop == shop) & (ForumCategory.name == name))
        if cat is None:
            cat = ForumCategory.create(shop=shop, name=name, description=description, position=position)
        cats.append(cat)

    now = utcnow()
    for n, (cat_index, author, title, body, replies, flags) in enumerate(THREADS):
        if ForumThread.select().where((ForumThread.shop == shop) & (ForumThread.title == title)).exists():
            continue
        # Spread over the last weeks, the first thread oldest; replies a few hours apart.
        start = now - dt.timedelta(days=3 * (len(THREADS) - n) + 1, hours=n)
        author_user = people[author]
        thread = ForumThread.create(shop=shop, category=cats[cat_index], author=author_user, title=title,
                                    created_at=start, last_post_at=start, **flags)
        ForumPost.create(shop=shop, thread=thread, author=author_user, body=body, is_first=True,
                         by_staff=author in ("owner", "staff"), created_at=start, notified_at=start)
        at = start
        for key, text in replies:
            at = at + dt.timedelta(hours=3 + len(text) % 5)
            ForumPost.create(shop=shop, thread=thread, author=people[key], body=text,
                             by_staff=key in ("owner", "staff"), created_at=at, notified_at=at)
        ForumThread.update(last_post_at=at).where(ForumThread.id == thread.id).execute()

    # Something for the owner's queue: one held first post and one open report.
    held_title = "Jual sepatu murah meriah, cek profil saya"
    if not ForumThread.select().where((ForumThread.shop == shop) & (ForumThread.title == held_title)).exists():
        spammer = people.get("c16") or people["customer"]
        thread = ForumThread.create(shop=shop, category=cats[2], author=spammer, title=held_title, is_held=True,
                                    created_at=now - dt.timedelta(hours=5), last_post_at=now - dt.timedelta(hours=5))
        ForumPost.create(shop=shop, thread=thread, author=spammer, is_first=True, is_held=True,
                         body="Sepatu branded murah, **diskon 90%**! Hubungi saya di luar portal.",
                         created_at=now - dt.timedelta(hours=5))
        boots = ForumThread.get_or_none((ForumThread.shop == shop) & (ForumThread.title == THREADS[9][2]))
        if boots is not None:
            spam = ForumPost.create(shop=shop, thread=boots, author=spammer,
                                    body="Mampir ke lapak saya, harga jauh lebih murah! Cari *sepatu-murah-banget*.",
                                    created_at=now - dt.timedelta(hours=4), notified_at=now)
            ForumReport.create(shop=shop, post=spam, reporter=people["customer"], reason="spam",
                               details="Promosi toko lain, bukan tentang sepatu dari sini.")
    return {"forum threads": ForumThread.select().where(ForumThread.shop == shop).count()}
