from __future__ import annotations

import logging

from homa_desk.logging_setup import configure_logging, scrub


def test_scrub_removes_secrets_and_contact_details():
    text = scrub("connect postgresql://clinic:S3cret@ep-1.neon.tech/homa for asha.verma@gmail.com "
                 "+91 98765 43210 and 9876543210 password=hunter22 key_secret: abc123")
    for leaked in ("S3cret", "asha.verma@gmail.com", "98765 43210", "9876543210", "hunter22", "abc123"):
        assert leaked not in text
    assert "patient 42" in scrub("patient 42")


def test_log_file_is_rotating_and_scrubbed(tmp_path):
    path = configure_logging(directory=tmp_path)
    logging.getLogger("homa_desk.test").warning("sms to %s failed", "+919876543210")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text()
    assert "sms to <phone> failed" in content
    assert "9876543210" not in content
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_homa", False)]:
        root.removeHandler(handler)
        handler.close()
