"""Opt-in reply e-mail: through the job queue, once, only to the thread's author, in their language, with an unsubscribe link."""
from __future__ import annotations

import re

import pytest

from plugins.forum.models import ForumPost, ForumSubscription
from portal.core.models import OutboxMail, ShopModule, User
from portal.testing import parse_mail
from tests.plugins.forum.conftest import text

F = "/s/workshop/forum"


@pytest.fixture
def portal_config(smtp_server):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server[0].port}


def reply(c, thread, body):
    response = c.hx_post(f"{F}/t/{thread.id}/reply", data={"fr-body": body})
    assert response.status_code == 200, text(response)
    return response


def test_the_opted_in_author_gets_one_mail_per_reply(customer_client, other_customer_client, staff_client, shop,
                                                    forum, make_thread, customer, inbox):
    thread = make_thread(forum.care, customer, title="Sol lepas", subscribe=True)
    reply(other_customer_client, thread, "Coba lem **kuning**.")
    [envelope] = inbox
    assert envelope.rcpt_tos == ["customer@example.test"]
    mail = parse_mail(envelope)
    assert mail["Subject"] == "New reply to “Sol lepas”"
    body = mail.get_content()
    assert "Customer B replied to your thread “Sol lepas”" in body and "Coba lem **kuning**." in body
    post = ForumPost.get(ForumPost.body == "Coba lem **kuning**.")
    assert f"{F}/p/{post.id}" in body
    token = ForumSubscription.get().token
    assert f"{F}/unsubscribe/{token}" in body
    assert ForumPost.get_by_id(post.id).notified_at is not None
    # The author's own reply never mails them; staff's reply does, once.
    reply(customer_client, thread, "Terima kasih!")
    assert len(inbox) == 1
    reply(staff_client, thread, "Bawa ke bengkel kami.")
    assert len(inbox) == 2 and inbox[1].rcpt_tos == ["customer@example.test"]
    # Nobody else was written to, ever.
    assert {to for e in inbox for to in e.rcpt_tos} == {"customer@example.test"}
    assert OutboxMail.select().count() == 2


def test_no_mail_without_opting_in(other_customer_client, shop, forum, make_thread, customer, inbox):
    thread = make_thread(forum.care, customer, subscribe=False)
    reply(other_customer_client, thread, "Halo")
    assert inbox == [] and OutboxMail.select().count() == 0


def test_the_checkbox_on_the_new_thread_form_opts_in(customer_client, other_customer_client, shop, forum, inbox):
    form = text(customer_client.get(f"{F}/c/{forum.care.id}/new"))
    [checkbox] = re.findall(r'<input[^>]*name="ft-subscribe"[^>]*>', form)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox  # opt-in: unticked until ticked
    customer_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": "Tanpa e-mail", "ft-body": "x"})
    customer_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": "Dengan e-mail", "ft-body": "x",
                                                             "ft-subscribe": "y"})
    assert [s.thread.title for s in ForumSubscription.select()] == ["Dengan e-mail"]


def test_held_reply_mails_on_approval_only_once(owner_client, other_customer_client, shop, forum, make_thread,
                                               customer, inbox):
    ShopModule.create(shop=shop, plugin="forum", enabled=True, settings={"hold_first_posts": True})
    thread = make_thread(forum.care, customer, subscribe=True)
    reply(other_customer_client, thread, "Pertanyaan baru")
    assert inbox == []
    post = ForumPost.get(ForumPost.body == "Pertanyaan baru")
    owner_client.hx_post(f"{F}/manage/posts/{post.id}/approve")
    owner_client.hx_post(f"{F}/manage/posts/{post.id}/approve")
    assert len(inbox) == 1


def test_the_mail_is_written_in_the_recipients_language(other_customer_client, shop, forum, make_thread, customer,
                                                       inbox):
    User.update(locale="id").where(User.id == customer.id).execute()
    thread = make_thread(forum.care, customer, title="Ukuran", subscribe=True)
    reply(other_customer_client, thread, "Pakai 42")
    mail = parse_mail(inbox[0])
    assert mail["Subject"] == "Balasan baru di “Ukuran”"
    assert "membalas topik Anda" in mail.get_content()


def test_unsubscribe_link_shows_a_button_and_the_post_stops_the_mails(client, other_customer_client, shop, forum,
                                                                     make_thread, customer, inbox):
    thread = make_thread(forum.care, customer, subscribe=True)
    token = ForumSubscription.get().token
    page = client.get(f"{F}/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these e-mails" in text(page)
    # Looking at the link (a mail scanner does) changes nothing.
    assert ForumSubscription.get().is_active
    done = client.post(f"{F}/unsubscribe/{token}")
    assert done.status_code == 200 and "you will get no more e-mails" in text(done)
    assert not ForumSubscription.get().is_active
    reply(other_customer_client, thread, "Halo")
    assert inbox == []
    assert client.get(f"{F}/unsubscribe/not-a-token").status_code == 404


def test_no_mail_when_the_forum_is_off_by_the_time_the_job_runs(portal_app, other_customer, shop, forum,
                                                               make_thread, customer, add_replies, inbox,
                                                               disable_plugin):
    from plugins.forum.notify import send_reply_mail

    thread = make_thread(forum.care, customer, subscribe=True)
    [post] = add_replies(thread, other_customer, 1)
    disable_plugin(shop, "forum")
    assert send_reply_mail(post.id) == 0
    assert inbox == [] and ForumPost.get_by_id(post.id).notified_at is None


def test_the_job_is_registered_and_runs_through_the_queue(portal_app):
    assert "forum_reply_mail" in portal_app.extensions["portal_jobs"].tasks


def test_mail_text_has_no_markup_injection(other_customer_client, shop, forum, make_thread, customer, inbox):
    thread = make_thread(forum.care, customer, title="Judul\r\nBcc: victim@example.test", subscribe=True)
    reply(other_customer_client, thread, "<script>alert(1)</script>")
    mail = parse_mail(inbox[0])
    assert "Bcc" not in {k for k in mail.keys()}
    assert inbox[0].rcpt_tos == ["customer@example.test"]
    assert not re.search(r"<html", mail.get_content())
