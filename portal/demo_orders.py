"""Demo orders for ``portal demo``: a year of the demo shop's trade, in every state.

``load_demo_orders(shop)`` writes about 240 orders spread over the past twelve
months: older ones mostly completed (some rejected, cancelled or expired),
recent ones still on their way, and a few of every status from the last days.
Each order has its lines, a timeline of legal transitions with realistic
times, its payments (transfer-receipt pictures drawn here, bank-statement
lines, payments recorded by hand), and the e-mails the portal sent about it.

The rows are written directly (they are history: no hook, stock move or mail
job should fire for them), but every status event follows ``order_flow.ACTIONS``
– a test walks each timeline through it. Running it twice adds nothing: each
demo order has a fixed key (``demo-0001``…), and only missing ones are written.
Everything comes from a seeded random generator, so every run builds the same shop.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections import Counter
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import force_locale
from PIL import Image, ImageDraw, ImageFont

from portal.core import notifications, proofs
from portal.core import orders as o
from portal.core.db import db, utcnow
from portal.core.models import Membership, OutboxMail, Product, Shop, User
from portal.core.order_flow import ACTIONS
from portal.core.shops import shop_setting
from portal.i18n import rupiah, to_jakarta

ORDER_COUNT = 240
# The most recent orders show every status at least twice (the queue's tabs all have work).
SHOWCASE = 26
KEY_PREFIX = "demo-"

GUEST_FIRST = ["Rahmat", "Lestari", "Gilang", "Anisa", "Bayu", "Citra", "Doni", "Erna", "Galih", "Hana", "Irfan",
               "Kartika", "Lukman", "Melati", "Nanda", "Oki", "Prita", "Reza", "Suci", "Taufik"]
GUEST_LAST = ["Firmansyah", "Maulana", "Anggraini", "Wibowo", "Sembiring", "Pangaribuan", "Utami", "Syahputra",
              "Tanjung", "Kusuma"]
CITIES = [("Bandung", "40111"), ("Jakarta Selatan", "12190"), ("Bekasi", "17141"), ("Bogor", "16128"),
          ("Surabaya", "60271"), ("Yogyakarta", "55281"), ("Semarang", "50132"), ("Cimahi", "40511"),
          ("Depok", "16424"), ("Tasikmalaya", "46115"), ("Garut", "44151"), ("Medan", "20112")]
STREETS = ["Jl. Merdeka", "Jl. Asia Afrika", "Jl. Sudirman", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Ahmad Yani",
           "Jl. Pahlawan", "Jl. Cihampelas", "Jl. Dago", "Jl. Veteran"]
NOTES = ["", "", "", "Ukuran 42, jahitan warna coklat tua.", "Mohon dibungkus kado, untuk hadiah ulang tahun.",
         "Ukuran 40, kaki agak lebar.", "Kalau bisa sol karet, bukan sol kulit.", "Tolong kirim sebelum Lebaran.",
         "Ukuran 43, warna hitam doff.", "Inisial 'AR' di bagian dalam, kalau bisa."]
REJECT_REASONS = ["Maaf, kulit warna tersebut sedang kosong sampai bulan depan.",
                  "Ukuran 47 belum bisa kami buat untuk model ini."]
CANCEL_REASONS = ["Pelanggan minta dibatalkan lewat WhatsApp.", "Alamat pengiriman di luar jangkauan kurir kami."]
PROOF_REJECT_REASONS = ["Foto bukti transfer buram, mohon kirim ulang.",
                        "Nominal di bukti Rp450.000, kurang dari jumlah yang harus dibayar (dengan kode unik)."]
BANKS = ["BCA", "Mandiri", "BRI", "BNI", "BSI", "CIMB Niaga"]


@dataclass
class Step:
    action: str
    at: dt.datetime
    role: str
    actor: User | None = None
    note: str = ""
    kind: str = "status"


@dataclass
class Plan:
    """One demo order before it is written: who, what, and its timeline."""

    key: str
    created_at: dt.datetime
    customer: User | None
    name: str
    email: str
    phone: str
    locale: str
    pickup: bool
    city: tuple[str, str]
    street: str
    note: str
    lines: list[tuple[Product, int]]
    target: str
    steps: list[Step] = field(default_factory=list)
    payment_way: str = "proof"  # proof | statement | manual
    proof_rejected: bool = False


# ---------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------

# (age in days up to, [(status, weight), ...]): older orders have mostly run their course.
OUTCOMES = [
    (7, [(o.PAID, 8), (o.IN_PRODUCTION, 25), (o.READY, 12), (o.HANDED_OVER, 12), (o.DELIVERED, 8),
         (o.COMPLETED, 20), (o.CANCELLED, 5), (o.EXPIRED, 5), (o.REJECTED, 5)]),
    (30, [(o.IN_PRODUCTION, 10), (o.READY, 5), (o.HANDED_OVER, 5), (o.DELIVERED, 10), (o.COMPLETED, 55),
          (o.CANCELLED, 5), (o.EXPIRED, 6), (o.REJECTED, 4)]),
    (366, [(o.COMPLETED, 80), (o.DELIVERED, 2), (o.CANCELLED, 6), (o.EXPIRED, 8), (o.REJECTED, 4)]),
]
OPEN_TARGETS = set(o.OPEN_STATUSES)
SHOWCASE_STATES = [o.PLACED, o.CONFIRMED, o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED, o.PAID, o.IN_PRODUCTION, o.READY,
                   o.HANDED_OVER, o.DELIVERED, o.COMPLETED, o.REJECTED, o.CANCELLED, o.EXPIRED]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _age_days(rng: random.Random) -> float:
    # More orders lately: the shop has been growing since it went online.
    return 365 * (1 - rng.random() ** 0.6)


def _hours(rng, low, high) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


class Planner:
    def __init__(self, shop: Shop, rng: random.Random, now: dt.datetime):
        self.shop, self.rng, self.now = shop, rng, now
        team = {m.role: m.user for m in Membership.select().where(Membership.shop == shop)}
        self.owner = team.get("owner")
        self.staff = team.get("staff") or self.owner
        self.products = list(Product.select().where((Product.shop == shop) & (Product.is_active == True))
                             .order_by(Product.position, Product.id))
        emails = ["customer@demo.test"] + [e for e, _, _ in _demo_customer_rows()]
        self.customers = list(User.select().where(User.email.in_(emails)).order_by(User.id))
        self.stages = [str(s) for s in (shop_setting(shop, "production_stages") or [])]
        self.hours_to_pay = int(shop_setting(shop, "payment_deadline_hours") or 24)

    def plans(self, count: int) -> list[Plan]:
        rng = self.rng
        ages = sorted((_age_days(rng) for _ in range(count - SHOWCASE)), reverse=True)
        # The showcase: the last days, every status twice, newest last.
        showcase = sorted((rng.uniform(0.05, 3.0) for _ in range(SHOWCASE)), reverse=True)
        out = []
        for index, age in enumerate(ages + showcase):
            created = self.now - dt.timedelta(days=age)
            if index >= len(ages):
                target = SHOWCASE_STATES[(index - len(ages)) % len(SHOWCASE_STATES)]
            else:
                target = _weighted(rng, next(p for limit, p in OUTCOMES if age <= limit))
            out.append(self._plan(f"{KEY_PREFIX}{index + 1:04d}", created, target))
        return out

    def _who(self):
        rng = self.rng
        if self.customers and rng.random() < 0.7:
            user = rng.choice(self.customers)
            return user, user.name, user.email, user.phone or "+6281200000000", user.locale or "id"
        first, last = rng.choice(GUEST_FIRST), rng.choice(GUEST_LAST)
        email = f"{first}.{last}{rng.randrange(10, 99)}@contoh.test".lower()
        phone = "+628" + str(rng.randrange(11, 99)) + str(rng.randrange(10**7, 10**8))
        return None, f"{first} {last}", email, phone, "en" if rng.random() < 0.1 else "id"

    def _plan(self, key: str, created: dt.datetime, target: str) -> Plan:
        rng = self.rng
        customer, name, email, phone, locale = self._who()
        # Orders still open would hold stock; made-to-order pieces hold none, so open demo orders
        # take those when the shop has them and the catalogue's stock stays as the demo set it.
        made = [p for p in self.products if p.made_to_order]
        pool = made if target in OPEN_TARGETS and made else self.products
        picks = rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 1, 2, 3])))
        lines = [(p, rng.choice([1, 1, 1, 2])) for p in picks]
        plan = Plan(key, created, customer, name, email, phone, locale, pickup=rng.random() < 0.3,
                    city=rng.choice(CITIES), street=f"{rng.choice(STREETS)} No. {rng.randrange(1, 250)}",
                    note=rng.choice(NOTES), lines=lines, target=target,
                    payment_way=_weighted(rng, [("proof", 6), ("statement", 3), ("manual", 1)]),
                    proof_rejected=rng.random() < 0.08)
        plan.steps = self._steps(plan)
        return plan

    def _steps(self, plan: Plan) -> list[Step]:
        """The timeline from placing to ``plan.target``, squeezed to end before now."""
        rng, target = self.rng, plan.target

        def team():
            return rng.choice([self.owner, self.staff])

        steps = [Step("place", plan.created_at, "customer", plan.customer)]
        t = plan.created_at

        def add(action, delay, role, actor=None, note="", kind="status"):
            nonlocal t
            t = t + delay
            steps.append(Step(action, t, role, actor, note, kind))

        if target == o.PLACED:
            return self._fit(steps)
        if target == o.REJECTED:
            add("reject", _hours(rng, 1, 20), "owner", self.owner, rng.choice(REJECT_REASONS))
            return self._fit(steps)
        if target == o.CANCELLED and rng.random() < 0.3:
            add("withdraw", _hours(rng, 0.5, 10), "customer", plan.customer, "")
            return self._fit(steps)
        add("confirm", _hours(rng, 0.5, 20), "owner", self.owner)
        if target == o.CONFIRMED:
            return self._fit(steps)
        add("request_payment", dt.timedelta(seconds=2), "system")
        if target == o.AWAITING_PAYMENT:
            return self._fit(steps, keep_deadline=True)
        if target == o.EXPIRED:
            add("expire", dt.timedelta(hours=self.hours_to_pay, minutes=rng.randrange(1, 5)), "system")
            return self._fit(steps)
        if target == o.CANCELLED:
            add("cancel", _hours(rng, 1, 12), "owner", self.owner, rng.choice(CANCEL_REASONS))
            return self._fit(steps)
        if plan.payment_way == "proof" or target == o.PAYMENT_SUBMITTED:
            plan.payment_way = "proof"
            add("submit_payment", _hours(rng, 0.3, 10), "customer", plan.customer)
            if plan.proof_rejected:
                add("reject_payment", _hours(rng, 0.5, 4), "staff", self.staff, rng.choice(PROOF_REJECT_REASONS))
                add("submit_payment", _hours(rng, 0.5, 6), "customer", plan.customer)
            if target == o.PAYMENT_SUBMITTED:
                return self._fit(steps, keep_deadline=True)
        add("verify_payment", _hours(rng, 0.3, 8), "owner" if rng.random() < 0.6 else "staff", team())
        if target == o.PAID:
            return self._fit(steps)
        made_to_order = any(p.made_to_order for p, _ in plan.lines)
        if made_to_order:
            add("start_production", _hours(rng, 2, 30), "staff", self.staff)
            stages = self.stages if target != o.IN_PRODUCTION else self.stages[: rng.randrange(0, len(self.stages))]
            for stage in stages:
                add(stage, _hours(rng, 6, 40), "staff", self.staff, kind="stage")
            if target == o.IN_PRODUCTION:
                return self._fit(steps)
        elif target == o.IN_PRODUCTION:
            # Stock lines only: "in production" would not happen; show it as ready instead.
            plan.target = target = o.READY
        add("mark_ready", _hours(rng, 2, 30), "staff", self.staff)
        if target == o.READY:
            return self._fit(steps)
        add("hand_over", _hours(rng, 3, 48), "staff", self.staff)
        if target == o.HANDED_OVER:
            return self._fit(steps)
        add("deliver", _hours(rng, 4, 72) if not plan.pickup else dt.timedelta(minutes=2), "staff", self.staff)
        if target == o.DELIVERED:
            return self._fit(steps)
        if rng.random() < 0.6:
            add("complete", _hours(rng, 2, 96), "customer", plan.customer)
        else:
            add("complete", dt.timedelta(days=7), "system")
        return self._fit(steps)

    def _fit(self, steps: list[Step], keep_deadline: bool = False) -> list[Step]:
        """Move the timeline so it ends before now (recent orders are still on their way).

        An order still waiting for money was asked to pay a few hours ago, so
        its deadline lies ahead, as it would in a running shop.
        """
        limit = self.now - dt.timedelta(minutes=5)
        if keep_deadline:
            index = next(i for i, s in enumerate(steps) if s.action == "request_payment")
            asked = self.now - dt.timedelta(hours=self.rng.uniform(1, min(6, self.hours_to_pay / 2)))
            shift = asked - steps[index].at
            for step in steps:
                step.at += shift
            _squeeze(steps[index:], limit)
        else:
            _squeeze(steps, limit)
        return steps


def _squeeze(steps: list[Step], limit: dt.datetime):
    """Scale the gaps between ``steps`` so the last one is not after ``limit`` (order kept)."""
    start, end = steps[0].at, steps[-1].at
    if end <= limit:
        return
    span = (end - start).total_seconds() or 1
    room = max((limit - start).total_seconds(), 60)
    for step in steps:
        step.at = start + dt.timedelta(seconds=(step.at - start).total_seconds() * room / span)


def _demo_customer_rows():
    from portal.demo import demo_customers

    return demo_customers()


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def _events_apply(steps: list[Step]) -> list[tuple[Step, str | None, str]]:
    """Walk the timeline through the state machine; each status step must be legal."""
    status = None
    out = []
    for step in steps:
        if step.kind != "status":
            out.append((step, None, None))
            continue
        if step.action == "place":
            out.append((step, None, o.PLACED))
            status = o.PLACED
            continue
        action = ACTIONS[step.action]
        if status not in action.sources or step.role not in action.roles:
            raise ValueError(f"illegal demo step {step.action} from {status} as {step.role}")
        out.append((step, status, action.target))
        status = action.target
    return out


class Writer:
    def __init__(self, shop: Shop, rng: random.Random):
        self.shop, self.rng = shop, rng
        self.prefix = (shop.order_prefix or "ORD").strip().upper()
        self.day_counts: Counter = Counter()
        # Real orders may already use some numbers (and earlier demo runs): never reuse one.
        self.taken = {n for (n,) in o.Order.select(o.Order.number).where(o.Order.shop == shop).tuples()}
        holding = o.Order.select(o.Order.unique_code, o.Order.amount_due).where(
            (o.Order.shop == shop) & o.Order.status.in_((o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED)))
        self.holders = {row.unique_code for row in holding}
        self.holding_amounts = {row.amount_due for row in holding}
        self.files: list[str] = []
        self.statements: dict[str, o.BankStatement] = {}
        self.delivery_fee = int(shop_setting(shop, "delivery_fee") or 0)
        self.counts = Counter()

    def number_for(self, created: dt.datetime) -> str:
        day = to_jakarta(created).strftime("%Y%m%d")
        while True:
            self.day_counts[day] += 1
            number = f"{self.prefix}-{day}-{self.day_counts[day]:04d}"
            if number not in self.taken:
                self.taken.add(number)
                return number

    def _code(self, total: int, holding: bool) -> int:
        for _ in range(2000):
            code = self.rng.randrange(1, 1000)
            if not holding or (code not in self.holders and total + code not in self.holding_amounts):
                break
        if holding:
            self.holders.add(code)
            self.holding_amounts.add(total + code)
        return code

    def write(self, plan: Plan):
        walked = _events_apply(plan.steps)
        final_status = next(to for step, _, to in reversed(walked) if to)
        holding = final_status in (o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED)
        lines = [(p, q) for p, q in plan.lines]
        subtotal = sum(p.price * q for p, q in lines)
        fee = 0 if plan.pickup else self.delivery_fee
        total = subtotal + fee
        asked = next((s.at for s, _, _ in walked if s.action == "request_payment"), None)
        code = self._code(total, holding) if asked else None
        created, last = plan.steps[0].at, plan.steps[-1].at
        order = o.Order.create(
            shop=self.shop, number=self.number_for(created), customer=plan.customer, name=plan.name,
            email=plan.email, phone=plan.phone, address="" if plan.pickup else plan.street,
            city="" if plan.pickup else plan.city[0], postal_code="" if plan.pickup else plan.city[1],
            note=plan.note, locale=plan.locale, delivery_method="pickup" if plan.pickup else "delivery",
            delivery_label="Ambil di bengkel" if plan.pickup else "Kirim ke alamat (tarif tetap)",
            delivery_fee=fee, subtotal=subtotal, total=total, unique_code=code,
            amount_due=total + code if code else None,
            payment_deadline=self._deadline(walked, asked),
            status=final_status, idempotency_key=plan.key, created_at=created, updated_at=last,
            production_stage=next((s.action for s, _, _ in reversed(walked) if s.kind == "stage"), None)
            if final_status == o.IN_PRODUCTION else None,
            ready_by=(created + dt.timedelta(days=10)).date()
            if any(p.made_to_order for p, _ in lines) else None,
        )
        for product, quantity in lines:
            o.OrderItem.create(order=order, product=product, name=product.name, unit_price=product.price,
                               quantity=quantity, made_to_order=product.made_to_order,
                               line_total=product.price * quantity)
        for step, from_status, to_status in walked:
            o.OrderEvent.create(order=order, kind=step.kind, action=step.action, from_status=from_status,
                                to_status=to_status, actor=step.actor, actor_role=step.role, note=step.note,
                                public=True, created_at=step.at)
        self._payments(order, plan, walked)
        self._mails(order, walked)
        self.counts[final_status] += 1
        return order

    def _deadline(self, walked, asked):
        if asked is None:
            return None
        expired = next((s.at for s, _, _ in walked if s.action == "expire"), None)
        if expired is not None:
            # The job noticed a few minutes after the deadline.
            return expired - dt.timedelta(minutes=3)
        return asked + dt.timedelta(hours=int(shop_setting(self.shop, "payment_deadline_hours") or 24))

    # -- payments ----------------------------------------------------------
    def _payments(self, order: o.Order, plan: Plan, walked):
        rng = self.rng
        proofs_sent = [s for s, _, _ in walked if s.action == "submit_payment"]
        reviews = [s for s, _, _ in walked if s.action in ("reject_payment", "verify_payment")]
        payer_bank = rng.choice(BANKS)
        for index, sent in enumerate(proofs_sent):
            review = reviews[index] if index < len(reviews) else None
            status = "submitted" if review is None else ("approved" if review.action == "verify_payment" else "rejected")
            name = self._proof_file(order, sent.at, payer_bank, short=(status == "rejected"))
            o.Payment.create(
                order=order, amount=order.amount_due, status=status, payer_name=order.name, payer_bank=payer_bank,
                proof_file=name, proof_content_type="image/jpeg", submitted_by=order.customer,
                reviewed_by=review.actor if review else None, reviewed_at=review.at if review else None,
                reason=review.note if review and status == "rejected" else "", created_at=sent.at,
            )
        verified = next((s for s, _, _ in walked if s.action == "verify_payment"), None)
        if verified is None:
            return
        if plan.payment_way == "statement":
            line = self._statement_line(order, verified.at - _hours(rng, 0.2, 3), "approved")
            o.Payment.create(order=order, amount=order.amount_due, status="approved", statement_line=line,
                             reviewed_by=verified.actor, reviewed_at=verified.at, created_at=verified.at)
        elif plan.payment_way == "manual":
            o.Payment.create(order=order, amount=order.amount_due, status="approved", reviewed_by=verified.actor,
                             reviewed_at=verified.at, created_at=verified.at)

    def _statement(self, when: dt.datetime) -> o.BankStatement:
        month = to_jakarta(when).strftime("%Y-%m")
        if month not in self.statements:
            file_hash = hashlib.sha256(f"demo-statement:{self.shop.id}:{month}".encode()).hexdigest()
            self.statements[month], _ = o.BankStatement.get_or_create(
                shop=self.shop, file_hash=file_hash,
                defaults={"filename": f"mutasi-bca-{month}.csv", "preset": "bca", "created_at": when},
            )
        return self.statements[month]

    def _statement_line(self, order: o.Order | None, when: dt.datetime, status: str, amount: int | None = None,
                        description: str | None = None) -> o.StatementLine:
        rng = self.rng
        if description is None:
            who = (order.name if order else rng.choice(GUEST_FIRST)).upper()
            reference = f" {order.number}" if order is not None and rng.random() < 0.4 else ""
            description = f"TRSF E-BANKING CR {to_jakarta(when):%d%m}/FTSCY/WS9{rng.randrange(1000, 9999)}{reference} {who}"
        amount = amount if amount is not None else order.amount_due
        ident = order.idempotency_key if order is not None and status == "approved" else description
        line_hash = hashlib.sha256(f"demo-line:{self.shop.id}:{ident}:{amount}:{status}".encode()).hexdigest()
        return o.StatementLine.create(statement=self._statement(when), shop=self.shop, line_hash=line_hash,
                                      booked_on=to_jakarta(when).date(), description=description, amount=amount,
                                      status=status, matched_order=order, created_at=when)

    def extra_lines(self, now: dt.datetime, waiting: list[o.Order], checking: list[o.Order]):
        """Credits the team still has to look at: a proposal, an ambiguous one, unmatched and set-aside ones."""
        rng = self.rng
        if waiting:
            self._statement_line(waiting[0], now - _hours(rng, 0.5, 3), "proposed")
        if len(waiting) > 1 and checking:
            # The amount says one order, the description names another: a person decides.
            named = checking[0]
            self._statement_line(waiting[1], now - _hours(rng, 0.5, 3), "ambiguous",
                                 description=f"TRF DARI {named.name.upper()} {named.number}")
        for amount, words in ((500_000, "SETORAN TUNAI"), (2_750_000, "TRSF CR PT DISTRIBUSI SEPATU NUSANTARA"),
                              (8_215, "BUNGA")):
            self._statement_line(None, now - dt.timedelta(days=rng.randrange(1, 20)), "unmatched", amount=amount,
                                 description=words)
        self._statement_line(None, now - dt.timedelta(days=25), "ignored", amount=1_000_000,
                             description="TRSF CR PINDAH DANA DARI REK TABUNGAN")

    def _proof_file(self, order: o.Order, when: dt.datetime, bank: str, short: bool) -> str:
        amount = (order.amount_due or order.total) - (order.unique_code or 0) * int(short)
        data = receipt_picture(bank, amount, order.shop.bank_accounts or [], when, seed=order.id)
        name = proofs.store(proofs.CheckedProof(data, "jpg", "image/jpeg"))
        self.files.append(name)
        return name

    # -- mails ---------------------------------------------------------------
    def _mails(self, order: o.Order, walked):
        contexts: dict[str, dict] = {}
        lang = order.locale or "id"
        for step, _, _ in walked:
            if step.kind != "status":
                continue
            specs = []
            if step.action in notifications.CUSTOMER_MAILS:
                if lang not in contexts:
                    contexts[lang] = notifications.mail_context(order, lang)
                specs.append(notifications.customer_mail(order, step.action, contexts[lang]))
            if step.action in notifications.OWNER_MAILS:
                specs.extend(notifications.owner_mails(order, step.action, contexts))
            for spec in specs:
                with force_locale(spec.lang):
                    subject = " ".join(str(spec.subject).split())
                    text = render_template(f"mail/{spec.template}.txt", shop=order.shop, **spec.context)
                sent = step.at + dt.timedelta(seconds=self.rng.randrange(5, 90))
                OutboxMail.create(shop=order.shop, to=spec.to, subject=subject[:250], body_text=text, status="sent",
                                  attempts=1, created_at=step.at, sent_at=sent)

    def bump_counters(self):
        """Keep the real order numbers of today (and any demo day) from colliding with demo ones."""
        for day, used in self.day_counts.items():
            counter, _ = o.OrderCounter.get_or_create(shop=self.shop, day=day, defaults={"last": used})
            if counter.last < used:
                o.OrderCounter.update(last=used).where(o.OrderCounter.id == counter.id).execute()


def receipt_picture(bank: str, amount: int, accounts: list, when: dt.datetime, seed: int) -> bytes:
    """A phone screenshot of a mobile-banking transfer receipt (JPEG)."""
    rng = random.Random(seed)
    colours = {"BCA": (0, 86, 164), "Mandiri": (0, 61, 121), "BRI": (0, 82, 155), "BNI": (241, 90, 34),
               "BSI": (0, 150, 136), "CIMB Niaga": (120, 0, 0)}
    width, height = 480, 760
    image = Image.new("RGB", (width, height), (246, 247, 249))
    draw = ImageDraw.Draw(image)
    big, mid, small = (ImageFont.load_default(size=s) for s in (34, 22, 17))
    draw.rectangle((0, 0, width, 110), fill=colours.get(bank, (40, 40, 40)))
    draw.text((24, 36), f"{bank} mobile", font=mid, fill="white")
    draw.ellipse((width // 2 - 38, 140, width // 2 + 38, 216), fill=(46, 160, 67))
    draw.line((width // 2 - 18, 180, width // 2 - 4, 194, width // 2 + 20, 166), fill="white", width=7)
    draw.text((width // 2, 250), "Transfer Berhasil", font=mid, fill=(30, 30, 30), anchor="mm")
    draw.text((width // 2, 305), rupiah(amount), font=big, fill=(20, 20, 20), anchor="mm")
    account = accounts[0] if accounts else {"bank": "BCA", "number": "0000000000", "holder": "Toko"}
    rows = [("Tanggal", to_jakarta(when).strftime("%d/%m/%Y %H:%M:%S WIB")),
            ("Ke rekening", f"{account.get('bank', '')} {account.get('number', '')}"),
            ("Nama penerima", str(account.get("holder", ""))[:26]),
            ("Berita", "Pembayaran pesanan"),
            ("No. referensi", f"{rng.randrange(10**11, 10**12)}")]
    y = 370
    for label, value in rows:
        draw.text((28, y), label, font=small, fill=(110, 110, 110))
        draw.text((width - 28, y), value, font=small, fill=(25, 25, 25), anchor="ra")
        y += 44
        draw.line((28, y - 12, width - 28, y - 12), fill=(225, 225, 228), width=1)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------


def load_demo_orders(shop: Shop, count: int = ORDER_COUNT, seed: int = 2026) -> dict:
    """Write the demo orders of ``shop`` that are not there yet; return a summary.

    Needs an app context (templates for the e-mails, ``INSTANCE_DIR`` for the proofs).
    """
    existing = {k for (k,) in o.Order.select(o.Order.idempotency_key).where(
        (o.Order.shop == shop) & o.Order.idempotency_key.startswith(KEY_PREFIX)).tuples()}
    now = utcnow()
    rng = random.Random(seed)
    planner = Planner(shop, rng, now)
    added = 0
    if planner.products and len(existing) < count:
        writer = Writer(shop, random.Random(seed + 1))
        try:
            with db.atomic():
                waiting, checking = [], []
                for plan in planner.plans(count):
                    if plan.key in existing:
                        continue
                    order = writer.write(plan)
                    added += 1
                    if order.status == o.AWAITING_PAYMENT:
                        waiting.append(order)
                    elif order.status == o.PAYMENT_SUBMITTED:
                        checking.append(order)
                if not existing:
                    writer.extra_lines(now, waiting, checking)
                writer.bump_counters()
        except Exception:
            for name in writer.files:
                proofs.delete(name)
            raise
    orders = o.Order.select().where((o.Order.shop == shop) & o.Order.idempotency_key.startswith(KEY_PREFIX))
    by_status = Counter(row.status for row in orders)
    return {
        "orders": sum(by_status.values()),
        "orders_added": added,
        "statuses": ", ".join(f"{status} {by_status[status]}" for status in o.STATUSES if by_status[status]),
    }
