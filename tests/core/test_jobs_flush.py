"""Jobs deferred by a job that runs while the request's deferred jobs are flushed are run too."""
from __future__ import annotations

from portal.core.jobs import jobs


def test_a_job_deferring_another_during_the_flush_is_not_lost(portal_app):
    ran = []
    registry = portal_app.extensions["portal_jobs"]
    registry.register("test_second", lambda value: ran.append(("second", value)))

    def first(value):
        ran.append(("first", value))
        # Still inside the request's after_request: this lands on a fresh pending list.
        jobs().defer("test_second", value + 1)

    registry.register("test_first", first)
    with portal_app.test_request_context():
        jobs().defer("test_first", 1)
        assert ran == []
        portal_app.process_response(portal_app.response_class())
    assert ran == [("first", 1), ("second", 2)]


def test_nothing_deferred_runs_after_a_server_error(portal_app):
    ran = []
    portal_app.extensions["portal_jobs"].register("test_never", lambda: ran.append(1))
    with portal_app.test_request_context():
        jobs().defer("test_never")
        portal_app.process_response(portal_app.response_class(status=500))
    assert ran == []
