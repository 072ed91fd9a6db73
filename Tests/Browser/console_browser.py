"""Drives the Acuhook console in headless Chromium (Debian's chromium and chromium-driver,
through Selenium), as an operator would. Run by the Swift test ConsoleBrowserTests against a
real `acuhook serve`; exits non-zero, saying what failed, when the console misbehaves.

Arguments: --console URL (…/console) --token T --webhook URL --secret S --screenshots DIR
           --script-key K (a stored delivery whose fields hold <script>)
           --reject-key K (a stored delivery its plugin rejected: one dead letter)
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def main():
    parser = argparse.ArgumentParser()
    for name in ["console", "token", "webhook", "secret", "screenshots", "script-key", "reject-key"]:
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=en-US"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    step = "starting"

    def shot(name):
        driver.save_screenshot(os.path.join(args.screenshots, name + ".png"))

    def check(condition, message):
        if not condition:
            raise AssertionError(message)

    def send(body, key):
        data = json.dumps(body, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(args.secret.encode(), data, hashlib.sha256).hexdigest()
        request = urllib.request.Request(args.webhook, data=data, method="POST", headers={
            "Content-Type": "application/json", "X-Acumatica-Event": body["eventType"],
            "X-Acumatica-Delivery": key, "X-Acumatica-Signature": signature})
        with urllib.request.urlopen(request) as response:
            check(response.status == 200, f"delivery {key} answered {response.status}")

    def open_delivery(key):
        driver.get(args.console + "/deliveries")
        link = wait.until(EC.presence_of_element_located(
            (By.XPATH, f"//table[@id='deliveries']//tr[td[normalize-space()='{key}']]//a")))
        link.click()
        wait.until(EC.presence_of_element_located((By.ID, "body")))

    try:
        step = "sign in with the token"
        driver.get(args.console + "/deliveries")
        wait.until(EC.presence_of_element_located((By.ID, "token")))
        shot("login")
        driver.find_element(By.ID, "token").send_keys("not the token at all")
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "login-error")))
        driver.find_element(By.ID, "token").send_keys(args.token)
        driver.find_element(By.ID, "sign-in").click()
        wait.until(EC.presence_of_element_located((By.ID, "deliveries")))
        check("acuhook_console" not in driver.execute_script("return document.cookie"), "the session cookie is readable by scripts")

        step = "a new delivery appears live"
        wait.until(EC.text_to_be_present_in_element((By.ID, "live-status"), "Live"))
        live_key = "live-" + uuid.uuid4().hex[:8]
        send({"eventType": "Customer.Updated", "entityType": "Customer", "entityId": "CUST-LIVE",
              "timestamp": "2026-12-01T10:00:00Z", "data": {"CustomerID": {"value": "CUST-LIVE"}},
              "metadata": {"correlationId": live_key}}, live_key)
        wait.until(EC.presence_of_element_located(
            (By.XPATH, f"//table[@id='deliveries']//tr[contains(@class,'fresh')][td[normalize-space()='{live_key}']]")))
        shot("deliveries")

        step = "a <script> payload is shown as text"
        open_delivery(args.script_key)
        body = driver.find_element(By.ID, "body").text
        check("<script>alert('acuhook')</script>" in body, "the payload's <script> is not shown as text")
        check('<img src=x onerror=\\"window.acuhookPwned=1\\">' in body, "the payload's <img onerror> is not shown as text")
        check(len(driver.find_elements(By.TAG_NAME, "script")) == 1, "the page holds a script other than console.js")
        check(driver.execute_script("return window.acuhookPwned === undefined"), "the payload's script ran")

        step = "a delivery shows its jobs and attempts"
        open_delivery(args.reject_key)
        wait.until(EC.presence_of_element_located((By.XPATH, "//table[contains(@class,'attempts')]//span[normalize-space()='rejected']")))
        job_block = driver.find_element(By.CSS_SELECTOR, "div.job")
        job = job_block.get_attribute("id").removeprefix("job-")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", job_block)
        shot("delivery")

        step = "force the breaker open and see the state change"
        driver.get(args.console + "/plugins")
        check(driver.find_element(By.ID, "breaker-fixture-scripted").text == "closed", "the breaker was not closed to begin with")
        driver.find_element(By.ID, "open-fixture-scripted").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "breaker-fixture-scripted"), "forced-open"))
        check("Breaker changed." in driver.find_element(By.ID, "flash").text, "no confirmation after opening the breaker")
        shot("plugins")

        step = "replay the dead letter and watch it leave the list"
        driver.get(args.console + "/dlq")
        wait.until(EC.presence_of_element_located((By.ID, "dead-" + job)))
        shot("dlq")
        driver.find_element(By.ID, "replay-" + job).click()
        wait.until(EC.presence_of_element_located((By.ID, "task-done")))
        check("1 dead letter(s) put back in the queue." in driver.find_element(By.ID, "task-done").text, "the replay did not report one job")
        driver.find_element(By.ID, "back").click()
        wait.until(EC.presence_of_element_located((By.ID, "dead-letters")))
        check(not driver.find_elements(By.ID, "dead-" + job), "the replayed dead letter is still listed")

        step = "the routes page"
        driver.get(args.console + "/routes")
        wait.until(EC.presence_of_element_located((By.ID, "routes")))
        shot("routes")

        step = "no browser errors (script errors, refused content)"
        # The wrong token's 401 is expected; anything else severe is not.
        severe = [entry for entry in driver.get_log("browser")
                  if entry["level"] == "SEVERE" and not ("/console/login" in entry["message"] and "401" in entry["message"])]
        check(not severe, f"browser errors: {severe}")
    except Exception as error:  # noqa: BLE001 — report the step and keep the evidence
        shot("failure")
        print(f"console browser test failed at '{step}': {error}", file=sys.stderr)
        print(driver.page_source[:4000], file=sys.stderr)
        driver.quit()
        sys.exit(1)
    driver.quit()
    print("console browser test passed: sign-in, live deliveries, escaping, attempts, breaker, replay, routes")


if __name__ == "__main__":
    main()
