"""The sign-in pages in a real browser: sign in with a second factor, see the dashboard, sign out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PAGE_CHANGE_TIMEOUT = 10


def _submit(browser: Any, selector: str) -> None:
    """Click a submit button and wait until the browser has loaded the next page.

    The old document is marked with a script variable; the next page is there once a
    complete document without the mark answers. Chromedriver may answer with a generic
    error (not a stale-element one) while the page is being replaced, so those count
    as "not yet".
    """
    from selenium.common.exceptions import WebDriverException

    browser.execute_script("window.__coopnodeOldPage = true;")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(browser, PAGE_CHANGE_TIMEOUT, ignored_exceptions=(WebDriverException,)).until(
        lambda b: _is_new_complete_page(b)
    )


def _is_new_complete_page(browser: Any) -> bool:
    return bool(
        browser.execute_script(
            "return window.__coopnodeOldPage === undefined && document.readyState === 'complete';"
        )
    )


def _sign_in(browser: Any, base: str, email: str, password: str, code: str = "") -> None:
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    if code:
        browser.find_element(By.ID, "totp").send_keys(code)
    _submit(browser, "form button[type=submit]")


def test_admin_signs_in_with_totp_and_out_again(
    live_server: str, browser: Any, accounts: Any, tmp_path: Path
) -> None:
    admin = accounts.user("admin")
    _sign_in(browser, live_server, admin.email, admin.password, admin.code())
    assert browser.current_url == f"{live_server}/"
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Test admin" in page
    assert admin.email in page
    assert browser.get_screenshot_as_file(str(tmp_path / "dashboard.png"))
    session_cookie = browser.get_cookie("coopnode_session")
    assert session_cookie is not None and session_cookie["httpOnly"] is True

    _submit(browser, "form[action='/logout'] button")
    assert browser.current_url.startswith(f"{live_server}/login")
    browser.get(f"{live_server}/")
    assert browser.current_url.startswith(f"{live_server}/login")  # the session is gone


def test_wrong_password_shows_an_error_and_signs_nobody_in(
    live_server: str, browser: Any, accounts: Any
) -> None:
    member = accounts.user("member")
    _sign_in(browser, live_server, member.email, "not the password")
    assert browser.current_url.startswith(f"{live_server}/login")
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert browser.get_cookie("coopnode_session") is None


def test_staff_without_code_is_not_signed_in(live_server: str, browser: Any, accounts: Any) -> None:
    staff = accounts.user("staff")
    _sign_in(browser, live_server, staff.email, staff.password)
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert browser.get_cookie("coopnode_session") is None


def test_member_signs_in_without_code(live_server: str, browser: Any, accounts: Any) -> None:
    member = accounts.user("member")
    _sign_in(browser, live_server, member.email, member.password)
    assert browser.current_url == f"{live_server}/"
    assert member.email in browser.find_element(By.TAG_NAME, "main").text
