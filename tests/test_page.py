"""The web page in a real headless Chromium: submit a text, see the same labels as the API."""

import os
import shutil
import tempfile

import pytest
from conftest import http_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
TEXT = (
    "Rebels shelled the port city overnight, killing six people, the army said. "
    "Foreign ministers of the two neighbouring states met in Geneva and agreed to resume talks."
)


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (see .ci/run)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_page_shows_what_the_api_answers(serve, model_dir, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _ = serve(model_dir, workers=1)
    browser.get(base + "/")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    browser.find_element(By.ID, "text").send_keys(TEXT)
    browser.find_element(By.ID, "classify").click()
    wait.until(ec.visibility_of_element_located((By.ID, "result")))

    status, api = http_json(base + "/v1/classify", {"text": TEXT})
    assert status == 200
    shown = browser.find_element(By.ID, "labels").get_attribute("data-labels")
    assert (shown.split(",") if shown else []) == api["labels"]
    assert browser.find_element(By.ID, "outlook-label").text == api["outlook"]["label"]
    assert browser.find_element(By.ID, "result").get_attribute("data-model") == api["model"]
    bars = browser.find_elements(By.CSS_SELECTOR, "#topic-bars .bar-row")
    assert [b.get_attribute("data-name") for b in bars] == ["security", "arms_trade", "diplomacy"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#topic-bars .threshold")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sentences .sentence")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "#explain-parts .part[data-outlook]")
    screenshot = tmp_path / "page.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000
