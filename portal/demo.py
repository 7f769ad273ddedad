"""Demo data for ``portal demo``: the Cibaduyut leather-shoe workshop, a batik shop, people.

``load_demo()`` is idempotent: it looks everything up by e-mail or slug and only
adds what is missing, so a second run changes nothing. Every demo account has
the password ``demo12345``. Product pictures are drawn here with Pillow from a
seed (no downloaded assets): a stylised shoe, sandal, belt, wallet, bag or batik
cloth in leather colours on a warm background, the same picture on every run.
"""
from __future__ import annotations

import itertools
import math
import random
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from portal.core import media
from portal.core.accounts import create_user, hash_password
from portal.core.db import db
from portal.core.models import Category, Membership, Product, ProductImage, Shop, User
from portal.core.shops import add_member, create_shop
from portal.demo_orders import load_demo_orders

DEMO_PASSWORD = "demo12345"
CANVAS = 1200

# ---------------------------------------------------------------------------
# people
# ---------------------------------------------------------------------------

# (email, name, phone, shop role or None, platform admin)
ACCOUNTS = [
    ("admin@demo.test", "Admin Portal", "", None, True),
    ("owner@demo.test", "Asep Suryana", "+6281220001001", "owner", False),
    ("staff@demo.test", "Rina Marlina", "+6281220001002", "staff", False),
    ("supplier@demo.test", "Dadang Hermawan", "+6281320001003", "supplier", False),
    ("courier@demo.test", "Ujang Saepudin", "+6285720001004", "courier", False),
    ("customer@demo.test", "Dewi Lestari", "+6281290001005", None, False),
]
BATIK_OWNER = ("batik@demo.test", "Sri Rahayu", "+6281390001006")

FIRST_NAMES = [
    "Budi", "Siti", "Agus", "Ayu", "Rudi", "Wati", "Hendra", "Fitri", "Joko", "Nur", "Eko", "Lina", "Yusuf",
    "Maya", "Bambang", "Indah", "Rizky", "Putri", "Fajar", "Ratna", "Dimas", "Sari", "Andi", "Dian", "Teguh",
    "Nita", "Hadi", "Wulan", "Arif", "Yanti",
]
LAST_NAMES = [
    "Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Nugroho", "Susanto",
    "Lestari", "Rahmawati", "Permana", "Gunawan", "Siregar", "Nasution", "Simanjuntak", "Harahap", "Sitompul",
    "Purnomo", "Halim",
]
MOBILE_PREFIXES = ["811", "812", "813", "821", "822", "852", "853", "857", "858", "877", "878", "896", "897"]
CUSTOMER_COUNT = 50


def demo_customers() -> list[tuple[str, str, str]]:
    """Fifty (email, name, phone) triples with Indonesian names and +62 mobile numbers."""
    rng = random.Random(62)
    people = []
    for i in range(CUSTOMER_COUNT):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        phone = "+62" + MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)] + f"{rng.randrange(10**7, 10**8)}"
        people.append((f"{first}.{last}{i + 1:02d}@example.test".lower(), f"{first} {last}", phone))
    return people


# ---------------------------------------------------------------------------
# shops and catalogues
# ---------------------------------------------------------------------------

CIBADUYUT = {
    "slug": "cibaduyut",
    "name": "Sepatu Kulit Cibaduyut",
    "order_prefix": "CBD",
    "tagline": "Sepatu kulit buatan tangan, dibuat sesuai pesanan sejak 1987",
    "city": "Bandung",
    "postal_code": "40236",
    "address": "Jl. Cibaduyut Raya No. 112\nKel. Cibaduyut, Kec. Bojongloa Kidul",
    "phone": "+62225401234",
    "whatsapp": "+6281220001001",
    "email": "halo@sepatucibaduyut.test",
    "opening_hours": "Senin–Jumat 08.00–17.00\nSabtu 08.00–14.00\nMinggu dan hari libur nasional tutup",
    "bank_accounts": [
        {"bank": "BCA", "number": "4370218856", "holder": "CV Sepatu Kulit Cibaduyut"},
        {"bank": "Mandiri", "number": "1300017742519", "holder": "CV Sepatu Kulit Cibaduyut"},
    ],
    "story": (
        "Bengkel kami berdiri pada tahun 1987 di sebuah gang kecil di Cibaduyut, sentra sepatu kulit "
        "Bandung. Pak Endang, ayah saya, memulai dengan dua orang tukang jahit dan satu meja potong. "
        "Hari ini kami bekerja bersama dua belas pengrajin, tetapi caranya masih sama: setiap pasang "
        "dipola, dipotong, dijahit dan dipasang solnya dengan tangan.\n\n"
        "Sebagian besar sepatu kami dibuat sesuai pesanan. Anda memilih model, ukuran dan warna kulit; "
        "kami memesan kulit sapi pilihan dari penyamakan langganan di Garut, lalu mulai membuat setelah "
        "pembayaran dikonfirmasi. Dulu semua pesanan datang lewat telepon, faks dan SMS dan dicatat di "
        "buku besar. Sekarang Anda bisa memesan, membayar dan mengikuti setiap tahap pesanan di sini, "
        "tanpa perlu menelepon.\n\n"
        "Terima kasih telah mendukung pengrajin lokal. Kalau ada pertanyaan soal ukuran atau model, "
        "silakan hubungi kami lewat WhatsApp atau mampir ke bengkel."
    ),
}

LAWEYAN = {
    "slug": "batik-laweyan",
    "name": "Batik Tulis Laweyan",
    "order_prefix": "BTL",
    "tagline": "Batik tulis dan cap dari kampung batik Laweyan, Solo",
    "city": "Surakarta",
    "postal_code": "57148",
    "address": "Jl. Sidoluhur No. 27, Laweyan",
    "phone": "+62271712345",
    "whatsapp": "+6281390001006",
    "email": "batik@laweyan.test",
    "opening_hours": "Senin–Sabtu 09.00–16.00",
    "bank_accounts": [{"bank": "BRI", "number": "002101000123456", "holder": "Sri Rahayu"}],
    "story": (
        "Kami membatik di Laweyan sejak tiga generasi. Setiap kain dicanting dengan tangan dan diwarnai "
        "dengan pewarna alam di halaman belakang rumah kami."
    ),
}

# (slug, name, description)
CIBADUYUT_CATEGORIES = [
    ("sepatu-pantofel", "Sepatu Pantofel", "Sepatu resmi untuk kerja, pernikahan dan acara penting."),
    ("sepatu-boots", "Sepatu Boots", "Boots kulit untuk kota, kerja lapangan dan pendakian."),
    ("sepatu-kasual", "Sepatu Kasual", "Sepatu santai yang nyaman dipakai seharian."),
    ("sandal-kulit", "Sandal Kulit", "Sandal kulit asli, awet dan makin nyaman dipakai."),
    ("aksesoris-kulit", "Aksesoris Kulit", "Ikat pinggang, dompet dan tas dari sisa potongan kulit terbaik."),
]
LAWEYAN_CATEGORIES = [
    ("kemeja-batik", "Kemeja Batik", "Kemeja dan blus batik tulis."),
    ("kain-batik", "Kain Batik", "Kain panjang dan selendang batik tulis."),
]


@dataclass
class DemoProduct:
    category: str
    name: str
    kind: str  # which picture to draw
    price: int
    stock: int | None  # None: made to order
    lead_days: int = 0
    detail: str = ""
    images: int = 1


P = DemoProduct
CIBADUYUT_PRODUCTS = [
    P("sepatu-pantofel", "Pantofel Oxford Klasik Hitam", "oxford", 685000, None, 10,
      "Model oxford bertali dengan ujung tertutup, cocok untuk jas dan acara resmi.", 3),
    P("sepatu-pantofel", "Pantofel Derby Cokelat Tua", "derby", 625000, 8, 0,
      "Derby dengan bukaan tali lebar, nyaman untuk kaki yang agak tinggi punggungnya."),
    P("sepatu-pantofel", "Pantofel Brogue Cognac", "brogue", 745000, None, 14,
      "Hiasan lubang brogue dibuat satu per satu dengan pons tangan.", 3),
    P("sepatu-pantofel", "Pantofel Monk Strap Tunggal", "monk", 790000, None, 14,
      "Tanpa tali, dengan satu gesper kuningan di sisi luar."),
    P("sepatu-pantofel", "Pantofel Double Monk Burgundy", "monk", 850000, None, 14,
      "Dua gesper dan kulit burgundy yang dipoles hingga mengilap."),
    P("sepatu-pantofel", "Pantofel Loafer Penny Cokelat", "loafer", 560000, 3, 0,
      "Loafer klasik tanpa tali, praktis dipakai dan dilepas."),
    P("sepatu-pantofel", "Pantofel Kerja Pria Kulit Sapi", "derby", 450000, 12, 0,
      "Sepatu kerja harian dengan sol karet anti selip.", 1),
    P("sepatu-pantofel", "Pantofel Wanita Hak Rendah", "loafer", 395000, 0, 0,
      "Hak 3 cm yang stabil, empuk untuk berdiri lama.", 1),
    P("sepatu-boots", "Chelsea Boots Cokelat", "chelsea", 950000, None, 14,
      "Karet samping elastis dan tarikan di belakang, mudah dipakai tanpa tali.", 3),
    P("sepatu-boots", "Chelsea Boots Suede Tan", "chelsea", 890000, None, 14,
      "Kulit suede lembut berwarna tan, cocok untuk gaya santai."),
    P("sepatu-boots", "Boots Kerja Safety Ujung Baja", "workboot", 1150000, None, 21,
      "Pelindung jari baja dan sol tahan minyak untuk kerja lapangan."),
    P("sepatu-boots", "Boots Chukka Kulit Nubuck", "chukka", 780000, 4, 0,
      "Chukka setinggi mata kaki dengan dua pasang lubang tali."),
    P("sepatu-boots", "Boots Tinggi Wanita Hitam", "tallboot", 1250000, None, 21,
      "Boots setinggi betis dengan ritsleting di sisi dalam.", 1),
    P("sepatu-boots", "Boots Pendaki Kulit Full Grain", "workboot", 1450000, None, 21,
      "Kulit full grain tebal dan sol bergerigi untuk jalur gunung."),
    P("sepatu-boots", "Boots Jodhpur Cognac", "chelsea", 1050000, None, 18,
      "Tali melingkar pergelangan dengan gesper, gaya berkuda klasik.", 1),
    P("sepatu-kasual", "Sneakers Kulit Putih Minimalis", "sneaker", 520000, 15, 0,
      "Sneakers kulit polos dengan sol karet jahit keliling.", 3),
    P("sepatu-kasual", "Sepatu Slip-on Kulit Cokelat", "slipon", 385000, 9, 0,
      "Tanpa tali, dengan karet di kedua sisi; ringan untuk jalan-jalan."),
    P("sepatu-kasual", "Sepatu Boat Shoes Tan", "boat", 465000, 6, 0,
      "Tali kulit melingkar dan sol putih yang tidak meninggalkan bekas."),
    P("sepatu-kasual", "Sepatu Kasual Suede Abu", "sneaker", 435000, 2, 0,
      "Suede abu-abu yang lembut dengan sol karet krep.", 1),
    P("sepatu-kasual", "Sneakers Kulit Hitam Sol Karet", "sneaker", 545000, None, 10,
      "Versi hitam dari sneakers kami, dibuat sesuai ukuran Anda."),
    P("sepatu-kasual", "Sepatu Anak Kulit Lembut", "slipon", 245000, 20, 0,
      "Kulit domba yang lembut dan perekat yang mudah untuk anak.", 1),
    P("sepatu-kasual", "Sepatu Desert Kulit Pasir", "chukka", 575000, None, 10,
      "Sepatu desert dengan sol krep alami, warna pasir."),
    P("sandal-kulit", "Sandal Selop Kulit Pria", "slide", 185000, 25, 0,
      "Selop dengan satu tali lebar, sol kulit berlapis karet.", 2),
    P("sandal-kulit", "Sandal Jepit Kulit Premium", "flipflop", 150000, 30, 0,
      "Sandal jepit dengan tali kulit sapi dan alas kulit yang menyerap keringat.", 1),
    P("sandal-kulit", "Sandal Gunung Kulit Tali", "strappy", 325000, 7, 0,
      "Tiga tali yang bisa diatur dan sol karet bergerigi.", 2),
    P("sandal-kulit", "Sandal Wanita Tali Silang", "cross", 215000, 5, 0,
      "Tali bersilang yang ramping dengan alas empuk.", 1),
    P("sandal-kulit", "Sandal Sorban Kulit Kerbau", "slide", 275000, None, 7,
      "Kulit kerbau tebal, dijahit tangan sesuai ukuran kaki Anda.", 1),
    P("sandal-kulit", "Sandal Rumah Kulit Domba", "slide", 165000, 0, 0,
      "Sandal rumah dari kulit domba berbulu, hangat dan empuk.", 1),
    P("aksesoris-kulit", "Ikat Pinggang Kulit Sapi Asli", "belt", 225000, 18, 0,
      "Lebar 3,5 cm dengan gesper kuningan; bisa dipotong sesuai ukuran pinggang.", 2),
    P("aksesoris-kulit", "Ikat Pinggang Formal Hitam", "belt", 245000, 11, 0,
      "Lebar 3 cm dengan gesper perak, untuk celana bahan.", 1),
    P("aksesoris-kulit", "Dompet Lipat Pria Cokelat", "wallet", 195000, 14, 0,
      "Enam slot kartu dan satu ruang uang kertas.", 2),
    P("aksesoris-kulit", "Dompet Kartu Ramping", "wallet", 150000, 22, 0,
      "Dompet tipis untuk empat kartu, muat di saku depan.", 1),
    P("aksesoris-kulit", "Tas Selempang Kulit", "bag", 685000, None, 12,
      "Tas selempang dengan tali yang bisa diatur dan tutup magnet.", 2),
    P("aksesoris-kulit", "Tas Kerja Kulit Pria", "bag", 1350000, None, 21,
      "Muat laptop 14 inci, dengan dua ruang dan kaki logam di dasar.", 3),
]
LAWEYAN_PRODUCTS = [
    P("kemeja-batik", "Kemeja Batik Tulis Kawung", "shirt-kawung", 425000, 6, 0,
      "Motif kawung klasik, katun primisima, lengan pendek."),
    P("kemeja-batik", "Kemeja Batik Parang Lengan Panjang", "shirt-parang", 485000, None, 14,
      "Motif parang rusak, dibuat sesuai ukuran badan Anda."),
    P("kemeja-batik", "Blus Batik Wanita Sogan", "shirt-kawung", 365000, 4, 0,
      "Warna sogan cokelat khas Solo, potongan longgar.", 1),
    P("kain-batik", "Kain Batik Tulis Truntum", "cloth-kawung", 750000, 3, 0,
      "Kain 2,5 m bermotif truntum, lambang cinta yang tumbuh kembali.", 1),
    P("kain-batik", "Kain Batik Tulis Sidomukti", "cloth-parang", 1250000, None, 30,
      "Kain panjang untuk pernikahan, dicanting halus selama sebulan."),
    P("kain-batik", "Selendang Batik Sutra", "cloth-parang", 325000, 8, 0,
      "Selendang sutra 2 m dengan motif parang kecil.", 1),
]

CIBADUYUT_NOTE = (
    "Dibuat oleh pengrajin kami di Cibaduyut dari kulit sapi pilihan. Tersedia ukuran 38 sampai 45; "
    "tuliskan ukuran dan warna yang Anda inginkan di catatan pesanan."
)


def _description(product: DemoProduct, note: str) -> str:
    parts = [product.detail, note]
    if product.stock is None:
        parts.append(
            f"Dibuat sesuai pesanan: pembuatan dimulai setelah pembayaran dikonfirmasi dan selesai dalam "
            f"{product.lead_days} hari kerja."
        )
    else:
        parts.append("Barang siap kirim dari stok, dikemas dalam kotak dan kantong kain.")
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------
# pictures
# ---------------------------------------------------------------------------

BACKGROUNDS = [(244, 234, 217), (234, 215, 189), (242, 216, 194), (236, 222, 204), (230, 224, 200), (245, 228, 214)]
LEATHERS = [(74, 44, 23), (139, 74, 31), (176, 113, 58), (38, 30, 26), (94, 31, 36), (59, 36, 23),
            (125, 88, 46), (192, 138, 74)]
# Product names that say a colour get a picture in that colour.
NAMED_COLOURS = {
    "hitam": (38, 30, 26), "cokelat tua": (59, 36, 23), "cokelat": (110, 62, 30), "cognac": (139, 74, 31),
    "tan": (176, 113, 58), "burgundy": (94, 31, 36), "putih": (236, 230, 220), "abu": (128, 124, 118),
    "pasir": (194, 160, 112),
}
SOLE_DARK = (36, 26, 20)
SOLE_LIGHT = (239, 231, 218)
BRASS = (201, 162, 74)


def _shade(colour, factor: float):
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


def _spline(points, steps: int = 10):
    """A closed Catmull-Rom curve through ``points``: soft outlines from a few control points."""
    out = []
    n = len(points)
    for i in range(n):
        p0, p1, p2, p3 = points[i - 1], points[i], points[(i + 1) % n], points[(i + 2) % n]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(tuple(
                0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                       + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3)
                for k in (0, 1)
            ))
    return out


class Sketch:
    """Maps shape coordinates (1.0 = the object's length) onto the canvas and draws with them."""

    def __init__(self, image, origin, length):
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.ox, self.oy = origin
        self.length = length

    def pt(self, x, y):
        return (self.ox + x * self.length, self.oy + y * self.length)

    def pts(self, points):
        return [self.pt(x, y) for x, y in points]

    def w(self, value):
        return max(1, int(value * self.length))

    def shape(self, points, fill, smooth=True, outline=None):
        path = self.pts(_spline(points) if smooth else points)
        self.draw.polygon(path, fill=fill, outline=outline)

    def line(self, points, fill, width):
        self.draw.line(self.pts(points), fill=fill, width=self.w(width), joint="curve")

    def dots(self, points, fill, radius):
        r = self.w(radius)
        for x, y in self.pts(points):
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)

    def stitches(self, points, fill, dash=0.012, width=0.004):
        """A dashed seam along a polyline."""
        path = self.pts(points)
        step = dash * self.length
        for (x1, y1), (x2, y2) in itertools.pairwise(path):
            seg = math.hypot(x2 - x1, y2 - y1)
            count = max(1, int(seg / step))
            for i in range(0, count, 2):
                a, b = i / count, min(1.0, (i + 1) / count)
                self.draw.line((x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b),
                               fill=fill, width=self.w(width))

    def rect(self, box, fill=None, outline=None, width=0.0, radius=0.0):
        (xa, ya), (xb, yb) = self.pt(box[0], box[1]), self.pt(box[2], box[3])
        x1, x2, y1, y2 = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
        self.draw.rounded_rectangle((x1, y1, x2, y2), radius=self.w(radius) if radius else 0, fill=fill,
                                    outline=outline, width=self.w(width) if width else 1)


def _background(rng: random.Random) -> Image.Image:
    top = rng.choice(BACKGROUNDS)
    bottom = _shade(top, 0.88)
    gradient = Image.linear_gradient("L").resize((CANVAS, CANVAS), Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", (CANVAS, CANVAS), bottom), Image.new("RGB", (CANVAS, CANVAS), top),
                           gradient)


def _shadow(image: Image.Image, box, strength: int = 90):
    """A soft floor shadow, blurred small and scaled up (cheap)."""
    small = Image.new("L", (CANVAS // 8, CANVAS // 8), 0)
    ImageDraw.Draw(small).ellipse([v / 8 for v in box], fill=strength)
    mask = small.filter(ImageFilter.GaussianBlur(4)).resize((CANVAS, CANVAS), Image.Resampling.BILINEAR)
    image.paste((60, 40, 25), (0, 0), mask)


def _shoe(image, rng, kind, colour):
    """A shoe seen from the side, toe to the right."""
    tall = kind in ("chelsea", "workboot", "tallboot", "chukka")
    length = CANVAS * rng.uniform(0.8, 0.86)
    bottom = CANVAS * (0.74 if tall or kind == "tallboot" else 0.64)
    origin = ((CANVAS - length) / 2 + rng.uniform(-20, 20), bottom - 0.48 * length)
    _shadow(image, (origin[0] + 0.02 * length, bottom - 10, origin[0] + length * 1.02, bottom + 40))
    s = Sketch(image, origin, length)
    dark, light = _shade(colour, 0.7), _shade(colour, 1.25)
    casual = kind in ("sneaker", "slipon", "boat")
    sole = SOLE_LIGHT if casual and rng.random() < 0.8 else SOLE_DARK
    if kind == "tallboot":
        upper = [(0.05, 0.44), (0.02, 0.2), (0.03, -0.25), (0.06, -0.3), (0.28, -0.3), (0.3, -0.25),
                 (0.31, 0.08), (0.42, 0.22), (0.62, 0.28), (0.82, 0.32), (0.95, 0.37), (0.98, 0.42), (0.5, 0.445)]
    elif tall:
        top = -0.02 if kind == "chukka" else -0.1
        upper = [(0.05, 0.44), (0.01, 0.3), (0.02, 0.1), (0.03, top + 0.03), (0.06, top), (0.3, top),
                 (0.33, top + 0.04), (0.35, 0.12), (0.46, 0.22), (0.64, 0.28), (0.82, 0.32), (0.95, 0.37),
                 (0.98, 0.42), (0.5, 0.445)]
    elif casual:
        upper = [(0.04, 0.42), (0.01, 0.32), (0.04, 0.22), (0.12, 0.2), (0.28, 0.25), (0.4, 0.2), (0.52, 0.21),
                 (0.66, 0.27), (0.82, 0.31), (0.95, 0.35), (1.0, 0.4), (0.98, 0.43), (0.5, 0.43)]
    else:
        upper = [(0.03, 0.44), (0.0, 0.34), (0.01, 0.24), (0.05, 0.2), (0.16, 0.22), (0.3, 0.25), (0.42, 0.22),
                 (0.52, 0.22), (0.62, 0.27), (0.76, 0.31), (0.9, 0.35), (0.98, 0.4), (0.97, 0.44), (0.5, 0.445)]
    # sole and heel
    if casual:
        s.shape([(0.0, 0.41), (0.5, 0.42), (1.01, 0.4), (1.02, 0.44), (0.99, 0.48), (0.5, 0.485), (0.01, 0.48)],
                sole)
        s.line([(0.02, 0.455), (0.99, 0.45)], _shade(sole, 0.8), 0.006)
    else:
        s.shape([(0.02, 0.43), (0.985, 0.42), (1.0, 0.45), (0.98, 0.47), (0.2, 0.47), (0.2, 0.5), (0.02, 0.5)],
                sole, smooth=False)
    s.shape(upper, colour)
    # the collar's lining
    if kind not in ("tallboot",) and not tall:
        s.shape([(0.06, 0.215), (0.2, 0.24), (0.38, 0.235), (0.4, 0.225), (0.2, 0.222)], dark)
    if kind in ("oxford", "derby", "brogue", "sneaker", "boat", "workboot", "chukka"):
        if tall:
            eyelets = [(0.33 + 0.03 * i, -0.06 + 0.06 * i) for i in range(5 if kind == "workboot" else 3)]
        else:
            eyelets = [(0.42 + 0.035 * i, 0.228 + 0.012 * i) for i in range(4)]
        s.line(eyelets, dark, 0.012)
        s.dots(eyelets, BRASS if kind in ("workboot", "boat") else _shade(colour, 0.45), 0.008)
        for x, y in eyelets[:-1]:
            s.line([(x - 0.015, y - 0.02), (x + 0.04, y + 0.02)], SOLE_LIGHT if casual else dark, 0.006)
    if kind in ("oxford", "brogue"):
        cap = [(0.72, 0.3), (0.7, 0.36), (0.72, 0.42)]
        s.line(cap, dark, 0.006)
        if kind == "brogue":
            s.dots([(0.735 + 0.004 * i, 0.31 + 0.012 * i) for i in range(10)], dark, 0.004)
    if kind == "monk":
        s.shape([(0.45, 0.22), (0.6, 0.24), (0.62, 0.33), (0.47, 0.32)], dark, smooth=False)
        s.rect((0.53, 0.24, 0.58, 0.31), outline=BRASS, width=0.01, radius=0.005)
    if kind in ("loafer", "slipon"):
        s.shape([(0.44, 0.23), (0.66, 0.27), (0.64, 0.31), (0.46, 0.28)], dark, smooth=False)
    if kind == "chelsea":
        s.shape([(0.18, -0.06), (0.28, -0.06), (0.27, 0.2), (0.2, 0.2)], _shade(colour, 0.55))
        s.rect((0.03, -0.16, 0.08, -0.08), outline=dark, width=0.012, radius=0.01)
    if kind == "tallboot":
        s.line([(0.27, -0.28), (0.28, 0.15)], BRASS, 0.006)
    # seams and shine
    s.stitches([(0.06, 0.41), (0.3, 0.4), (0.6, 0.4), (0.95, 0.4)], light)
    s.stitches([(0.06, 0.38), (0.1, 0.24)], light)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    gloss = Sketch(overlay, origin, length)
    gloss.shape([(0.78, 0.33), (0.9, 0.355), (0.95, 0.38), (0.86, 0.37), (0.76, 0.345)], (255, 255, 255, 70))
    image.paste(overlay, (0, 0), overlay)


def _sandal(image, rng, kind, colour):
    """A pair of sandals seen from above."""
    length = CANVAS * 0.8
    origin = (CANVAS / 2 - 0.5 * length, CANVAS * 0.1)
    footbed = [(0.5, 0.0), (0.66, 0.04), (0.72, 0.18), (0.7, 0.35), (0.64, 0.55), (0.64, 0.75), (0.6, 0.93),
               (0.5, 0.98), (0.4, 0.93), (0.36, 0.75), (0.34, 0.55), (0.29, 0.35), (0.3, 0.15), (0.36, 0.04)]
    sole = _shade(colour, 0.55)
    bed = _shade(colour, 1.35)
    for side in (-1, 1):
        dx = side * 0.24 + rng.uniform(-0.01, 0.01)

        def mirror(points, dx=dx, side=side):
            return [((0.5 + (x - 0.5) * side) + dx, y) for x, y in points]

        s = Sketch(image, origin, length)
        grown = [(0.5 + (x - 0.5) * 1.08, 0.5 + (y - 0.5) * 1.04) for x, y in footbed]
        s.shape(mirror(grown), sole)
        s.shape(mirror(footbed), bed)
        s.stitches(mirror([(0.5 + (x - 0.5) * 0.9, 0.5 + (y - 0.5) * 0.94) for x, y in footbed[:8]]),
                   _shade(bed, 0.75))
        if kind == "flipflop":
            s.line(mirror([(0.33, 0.36), (0.47, 0.14), (0.68, 0.36)]), colour, 0.035)
            s.dots(mirror([(0.47, 0.14)]), _shade(colour, 0.7), 0.018)
        elif kind == "cross":
            s.line(mirror([(0.3, 0.18), (0.7, 0.42)]), colour, 0.05)
            s.line(mirror([(0.7, 0.18), (0.3, 0.42)]), colour, 0.05)
        elif kind == "strappy":
            for y in (0.22, 0.42, 0.8):
                s.line(mirror([(0.28, y), (0.72, y + 0.02)]), colour, 0.045)
            s.rect(mirror([(0.6, 0.2)])[0] + mirror([(0.66, 0.27)])[0], outline=BRASS, width=0.008)
        else:  # slide
            s.shape(mirror([(0.27, 0.2), (0.73, 0.2), (0.72, 0.44), (0.28, 0.44)]), colour, smooth=False)
            s.stitches(mirror([(0.29, 0.23), (0.71, 0.23)]), _shade(colour, 1.4))
            s.stitches(mirror([(0.29, 0.41), (0.71, 0.41)]), _shade(colour, 1.4))


def _accessory(image, rng, kind, colour):
    length = CANVAS * 0.8
    origin = (CANVAS * 0.1, CANVAS * 0.1)
    s = Sketch(image, origin, length)
    dark, light = _shade(colour, 0.65), _shade(colour, 1.4)
    if kind == "belt":
        _shadow(image, (CANVAS * 0.12, CANVAS * 0.62, CANVAS * 0.9, CANVAS * 0.72), 70)
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        b = Sketch(layer, origin, length)
        b.rect((0.08, 0.45, 1.0, 0.55), fill=colour + (255,), radius=0.03)
        b.stitches([(0.2, 0.465), (0.98, 0.465)], light + (255,))
        b.stitches([(0.2, 0.535), (0.98, 0.535)], light + (255,))
        b.dots([(0.7 + 0.05 * i, 0.5) for i in range(5)], dark + (255,), 0.008)
        b.rect((0.0, 0.42, 0.12, 0.58), outline=BRASS + (255,), width=0.018, radius=0.015)
        b.line([(0.02, 0.5), (0.14, 0.5)], BRASS + (255,), 0.012)
        b.rect((0.17, 0.44, 0.21, 0.56), fill=dark + (255,), radius=0.005)
        layer = layer.rotate(rng.uniform(-18, -8), resample=Image.Resampling.BILINEAR)
        image.paste(layer, (0, 0), layer)
    elif kind == "wallet":
        _shadow(image, (CANVAS * 0.22, CANVAS * 0.66, CANVAS * 0.8, CANVAS * 0.76), 80)
        s.rect((0.15, 0.25, 0.85, 0.72), fill=colour, radius=0.04)
        s.line([(0.5, 0.25), (0.5, 0.72)], dark, 0.008)
        s.stitches([(0.18, 0.28), (0.82, 0.28), (0.82, 0.69), (0.18, 0.69), (0.18, 0.28)], light)
        for i in range(3):
            s.line([(0.55, 0.36 + 0.09 * i), (0.8, 0.36 + 0.09 * i)], dark, 0.006)
        s.dots([(0.32, 0.48)], dark, 0.03)
    else:  # bag
        _shadow(image, (CANVAS * 0.16, CANVAS * 0.78, CANVAS * 0.84, CANVAS * 0.86), 90)
        s.draw.arc([*s.pt(0.28, 0.05), *s.pt(0.72, 0.6)], start=180, end=360, fill=dark, width=s.w(0.03))
        s.shape([(0.12, 0.35), (0.88, 0.35), (0.92, 0.85), (0.08, 0.85)], colour, smooth=False)
        s.shape([(0.12, 0.35), (0.88, 0.35), (0.86, 0.55), (0.14, 0.55)], dark, smooth=False)
        s.rect((0.46, 0.5, 0.54, 0.6), outline=BRASS, width=0.012, radius=0.01)
        s.stitches([(0.15, 0.38), (0.85, 0.38)], light)
        s.stitches([(0.12, 0.82), (0.88, 0.82)], light)


BATIK_BASES = [(107, 68, 35), (35, 48, 90), (92, 34, 30), (60, 52, 40)]
BATIK_INK = (234, 219, 184)


def _batik_pattern(rng, motif) -> Image.Image:
    base = rng.choice(BATIK_BASES)
    tile = Image.new("RGB", (CANVAS, CANVAS), base)
    d = ImageDraw.Draw(tile)
    step = rng.choice([80, 96, 110])
    if motif.endswith("kawung"):
        r = step * 0.28
        for gx in range(0, CANVAS + step, step):
            for gy in range(0, CANVAS + step, step):
                for ox, oy in ((0, -1), (1, 0), (0, 1), (-1, 0)):
                    cx, cy = gx + ox * r, gy + oy * r
                    rx, ry = (r * 0.55, r) if ox == 0 else (r, r * 0.55)
                    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=BATIK_INK, width=4)
                d.ellipse((gx - 5, gy - 5, gx + 5, gy + 5), fill=BATIK_INK)
    else:  # parang: diagonal bands of waves
        for k in range(-CANVAS, 2 * CANVAS, step):
            d.line((k, 0, k + CANVAS, CANVAS), fill=BATIK_INK, width=10)
            for t in range(0, CANVAS, 40):
                d.ellipse((k + t + step / 2 - 9, t - 9, k + t + step / 2 + 9, t + 9), outline=BATIK_INK, width=3)
    return tile


def _batik(image, rng, kind):
    pattern = _batik_pattern(rng, kind)
    mask = Image.new("L", image.size, 0)
    md = ImageDraw.Draw(mask)
    if kind.startswith("shirt"):
        shirt = [(0.30, 0.15), (0.42, 0.12), (0.5, 0.2), (0.58, 0.12), (0.70, 0.15), (0.9, 0.3), (0.8, 0.43),
                 (0.72, 0.37), (0.72, 0.88), (0.28, 0.88), (0.28, 0.37), (0.2, 0.43), (0.1, 0.3)]
        _shadow(image, (CANVAS * 0.26, CANVAS * 0.85, CANVAS * 0.74, CANVAS * 0.92), 60)
        md.polygon([(x * CANVAS, y * CANVAS) for x, y in shirt], fill=255)
        image.paste(pattern, (0, 0), mask)
        d = ImageDraw.Draw(image)
        d.line([(0.5 * CANVAS, 0.2 * CANVAS), (0.5 * CANVAS, 0.88 * CANVAS)], fill=(40, 30, 20), width=4)
        for i in range(6):
            y = (0.26 + i * 0.1) * CANVAS
            d.ellipse((0.5 * CANVAS + 8, y - 8, 0.5 * CANVAS + 24, y + 8), fill=BATIK_INK)
        d.line([(0.42 * CANVAS, 0.12 * CANVAS), (0.5 * CANVAS, 0.2 * CANVAS), (0.58 * CANVAS, 0.12 * CANVAS)],
               fill=(40, 30, 20), width=6)
    else:
        _shadow(image, (CANVAS * 0.14, CANVAS * 0.74, CANVAS * 0.86, CANVAS * 0.82), 70)
        md.rounded_rectangle((0.15 * CANVAS, 0.25 * CANVAS, 0.85 * CANVAS, 0.76 * CANVAS), radius=12, fill=255)
        image.paste(pattern, (0, 0), mask)
        d = ImageDraw.Draw(image)
        fold = _shade(rng.choice(BATIK_BASES), 0.8)
        d.rectangle((0.15 * CANVAS, 0.55 * CANVAS, 0.85 * CANVAS, 0.6 * CANVAS), fill=fold)


def named_colour(name: str):
    for word, colour in NAMED_COLOURS.items():
        if re.search(rf"\b{word}\b", name.lower()):
            return colour
    return None


def demo_picture(kind: str, seed: int, colour=None) -> Image.Image:
    """The picture for a product of ``kind``; the same ``seed`` gives the same picture."""
    rng = random.Random(seed)
    image = _background(rng)
    if kind.startswith(("shirt", "cloth")):
        _batik(image, rng, kind)
        return image
    colour = colour or rng.choice(LEATHERS)
    if kind in ("slide", "flipflop", "strappy", "cross"):
        _sandal(image, rng, kind, colour)
    elif kind in ("belt", "wallet", "bag"):
        _accessory(image, rng, kind, colour)
    else:
        _shoe(image, rng, kind, colour)
    return image


def _render(job) -> str:
    kind, seed, colour, folder = job
    return media.write_variants(demo_picture(kind, seed, colour), folder, effort=2)


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------


def _ensure_user(email, name, phone="", is_admin=False) -> User:
    user = User.get_or_none(User.email == email)
    if user is None:
        user = create_user(email=email, name=name, password=DEMO_PASSWORD, phone=phone, is_admin=is_admin)
    return user


def _ensure_shop(spec: dict, owner: User) -> Shop:
    shop = Shop.get_or_none(Shop.slug == spec["slug"])
    if shop is None:
        fields = {k: v for k, v in spec.items() if k not in ("slug", "name")}
        shop = create_shop(spec["slug"], spec["name"], **fields)
    add_member(shop, owner, "owner")
    return shop


def _ensure_catalogue(shop: Shop, categories, products, note: str) -> list[tuple[Product, DemoProduct]]:
    """Categories and products that are missing; returns every product that still lacks pictures."""
    from portal.core.catalogue import slugify

    by_slug = {}
    for position, (slug, name, description) in enumerate(categories):
        category, _ = Category.get_or_create(
            shop=shop, slug=slug, defaults={"name": name, "description": description, "position": position}
        )
        by_slug[slug] = category
    existing = {p.slug: p for p in Product.select().where(Product.shop == shop)}
    with_pictures = {
        row.product_id
        for row in ProductImage.select(ProductImage.product).join(Product).where(Product.shop == shop)
    }
    missing = []
    # Created last to first, so the "newest" lists open with the shop's flagship products.
    for position, spec in reversed(list(enumerate(products))):
        slug = slugify(spec.name, 120)
        product = existing.get(slug)
        if product is None:
            product = Product.create(
                shop=shop, category=by_slug[spec.category], name=spec.name, slug=slug,
                description=_description(spec, note), price=spec.price, stock=spec.stock,
                made_to_order=spec.stock is None, lead_time_days=spec.lead_days, position=position,
                weight_grams=400 if spec.kind in ("belt", "wallet") else 1200,
            )
        if product.id not in with_pictures:
            missing.append((product, spec))
    return missing


def _add_pictures(missing: list[tuple[Product, DemoProduct]]) -> int:
    """Draw and encode pictures in worker threads (Pillow releases the GIL), then store the rows."""
    folder = media.products_dir()
    jobs, owners = [], []
    for product, spec in missing:
        for index in range(spec.images):
            seed = zlib.crc32(f"{product.slug}/{index}".encode())
            jobs.append((spec.kind, seed, named_colour(spec.name), Path(folder)))
            owners.append((product, index, spec))
    with ThreadPoolExecutor(max_workers=4) as pool:
        bases = list(pool.map(_render, jobs))
    with db.atomic():
        for (product, index, spec), base in zip(owners, bases, strict=True):
            alt = spec.name if index == 0 else f"{spec.name} ({index + 1})"
            ProductImage.create(product=product, filename=base, alt=alt, position=index)
    return len(bases)


def _plugin_demo_data(shops) -> dict:
    """Each installed plugin fills the demo shops with its own sample data (forum threads, riders...)."""
    from flask import current_app

    registry = current_app.extensions["portal"]
    summary: dict = {}
    for shop in shops:
        for impl in reversed(registry.pm.hook.portal_register_demo_data.get_hookimpls()):
            if impl.plugin_name not in registry.plugins:
                continue
            with db.atomic():
                counts = impl.function(**{a: shop for a in impl.argnames})
            for key, value in (counts or {}).items():
                summary[key] = summary.get(key, 0) + value
    return summary


def load_demo() -> dict:
    """Create whatever demo data is missing and return a summary of what exists.

    Needs an app context (the database and ``MEDIA_DIR``).
    """
    with db.atomic():
        people = {email: _ensure_user(email, name, phone, is_admin) for email, name, phone, _, is_admin in ACCOUNTS}
        batik_owner = _ensure_user(*BATIK_OWNER)
        known = {u.email for u in User.select(User.email).where(User.email.in_([c[0] for c in demo_customers()]))}
        new_customers = [c for c in demo_customers() if c[0] not in known]
        if new_customers:
            # One hash for the bulk customers: scrypt is slow on purpose, and these
            # share a published password anyway.
            shared_hash = hash_password(DEMO_PASSWORD)
            User.insert_many(
                [{"email": e, "name": n, "phone": p, "password_hash": shared_hash} for e, n, p in new_customers]
            ).execute()

        cibaduyut = _ensure_shop(CIBADUYUT, people["owner@demo.test"])
        for email, _, _, role, _ in ACCOUNTS:
            if role and role != "owner":
                add_member(cibaduyut, people[email], role)
        laweyan = _ensure_shop(LAWEYAN, batik_owner)

        missing = _ensure_catalogue(cibaduyut, CIBADUYUT_CATEGORIES, CIBADUYUT_PRODUCTS, CIBADUYUT_NOTE)
        missing += _ensure_catalogue(laweyan, LAWEYAN_CATEGORIES, LAWEYAN_PRODUCTS,
                                     "Dibatik dengan tangan di Laweyan, Solo.")
    pictures_added = _add_pictures(missing) if missing else 0

    shops = [cibaduyut, laweyan]
    customer_emails = ["customer@demo.test"] + [c[0] for c in demo_customers()]
    orders = load_demo_orders(cibaduyut)
    return {
        **orders,
        **_plugin_demo_data(shops),
        "shops": len(shops),
        "categories": Category.select().where(Category.shop.in_(shops)).count(),
        "products": Product.select().where(Product.shop.in_(shops)).count(),
        "pictures": ProductImage.select().join(Product).where(Product.shop.in_(shops)).count(),
        "pictures_added": pictures_added,
        "customers": User.select().where(User.email.in_(customer_emails)).count(),
        "members": Membership.select().where(Membership.shop.in_(shops)).count(),
        "accounts": ", ".join([a[0] for a in ACCOUNTS] + [BATIK_OWNER[0]]) + f" (password {DEMO_PASSWORD})",
    }
