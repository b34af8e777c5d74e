"""A real browser for the page tests: Debian's chromium, headless, driven by selenium through Debian's
chromedriver (never a downloaded browser or driver: this machine has no internet).

Screenshots of each page go to ``$IPP_WSGI_SCREENSHOTS`` when set, else to ``screenshots/`` under pytest's
base temp directory (``/tmp/pytest-of-USER/pytest-N/screenshots``); :func:`screenshot_dir` says which.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from deploy_servers import ADMIN, ADMIN_PASSWORD, Deployment, ipp_request, post_ipp
from harness import require_tool
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from ipp_wsgi.codec import operations

SCREENSHOTS_ENV = "IPP_WSGI_SCREENSHOTS"
CHROMIUM_ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--disable-default-apps", "--window-size=1200,1000")
WAIT_SECONDS = 30
STOPPED = 5


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go (made when missing)."""
    given = os.environ.get(SCREENSHOTS_ENV)
    path = Path(given) if given else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def chromium(*, accept_any_certificate: bool = False) -> Iterator[WebDriver]:
    """A fresh headless chromium (its own new profile directory), quit and removed afterwards."""
    binary, driver = require_tool("chromium"), require_tool("chromedriver")
    profile = tempfile.mkdtemp(prefix="ipp-wsgi-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (*CHROMIUM_ARGUMENTS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if accept_any_certificate:  # the deployments' self-signed test certificate
        options.add_argument("--ignore-certificate-errors")
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        browser.set_page_load_timeout(WAIT_SECONDS)
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def find(browser: WebDriver, selector: str) -> WebElement:
    """The element ``selector`` (CSS) names, waiting for it."""
    return WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.find_element(By.CSS_SELECTOR, selector))


def found(browser: WebDriver, selector: str) -> list[WebElement]:
    """Every element ``selector`` names now."""
    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def click_and_wait(browser: WebDriver, selector: str) -> None:
    """Click the button ``selector`` names and wait for the page it leads to."""
    old = browser.find_element(By.TAG_NAME, "html")
    find(browser, selector).click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: _gone(old))


def _gone(element: WebElement) -> bool:
    try:
        element.tag_name  # noqa: B018 (raises once the page is replaced)
    except Exception:
        return True
    return False


def printer_state(port: int, uri: str, tls: bool) -> int:
    """printer-state, from Get-Printer-Attributes over IPP."""
    answer = post_ipp(port, "/ipp/print", ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri), tls=tls)
    assert answer.ipp is not None and answer.ipp.printer is not None
    return int(answer.ipp.printer.value("printer-state"))


def check_pause_from_the_page(deployment: Deployment, screenshot: Path) -> None:
    """Behind a deployment's web server (its TLS port, its Basic authentication of /admin), the
    administrator pauses the printer from the page: Get-Printer-Attributes says stopped; then resumes it."""
    assert deployment.tls_port is not None
    uri = deployment.uri(tls=True)
    with chromium(accept_any_certificate=True) as browser:
        browser.get(f"https://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{deployment.tls_port}/admin/")
        assert "Signed in as admin (administrator)" in find(browser, ".who").text
        click_and_wait(browser, "button[value=pause]")
        assert find(browser, ".notice").text == "Printer paused."
        browser.save_screenshot(str(screenshot))
        assert printer_state(deployment.tls_port, uri, tls=True) == STOPPED
        click_and_wait(browser, "button[value=resume]")
        assert printer_state(deployment.tls_port, uri, tls=True) != STOPPED


def submit_forged_form(browser: WebDriver, action: str, fields: dict[str, str]) -> None:
    """Build a form in the current page (as a page's own script could) and submit it."""
    script = """
        const form = document.createElement("form");
        form.method = "post";
        form.action = arguments[0];
        for (const [name, value] of Object.entries(arguments[1])) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    """
    old = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script(script, action, fields)
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: _gone(old))
