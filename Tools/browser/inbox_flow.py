#!/usr/bin/env python3
"""The partner's inbox in a real browser (issue 13, PARTNERS.md R-WEB-7..13).

Drives Debian's chromium through chromium-driver with selenium against a running
`omzien serve`. Run by Tests/OmzienServerTests/WebBrowserTests.swift, which sets up the
server, the accounts and a device's referral, and passes them in the environment:

  OMZIEN_URL           the server, e.g. http://127.0.0.1:8123
  OMZIEN_REFERRAL      the referral id a device recorded (its note holds OMZIEN_PAYLOAD)
  OMZIEN_PAYLOAD       the XSS payload in the note
  OMZIEN_PASSWORD      the password of every account below
  OMZIEN_WORKER        a worker of the referral's region (eline)
  OMZIEN_OTHER         a worker of another region (piet)
  OMZIEN_ANALYST       a head-office account (anna)
  OMZIEN_SCREENSHOTS   where to write the screenshots (docs/)

Prints one line per check and a summary line `browser: PASS n checks` or
`browser: FAIL <what>`; exits 0 only on PASS.
"""
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["OMZIEN_URL"].rstrip("/")
REFERRAL = os.environ["OMZIEN_REFERRAL"]
PAYLOAD = os.environ["OMZIEN_PAYLOAD"]
PASSWORD = os.environ["OMZIEN_PASSWORD"]
WORKER, OTHER, ANALYST = os.environ["OMZIEN_WORKER"], os.environ["OMZIEN_OTHER"], os.environ["OMZIEN_ANALYST"]
SHOTS = os.environ.get("OMZIEN_SCREENSHOTS", ".")

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"browser: FAIL {what}")
        sys.exit(1)
    checks += 1
    print(f"ok  {what}")


def no_alert(driver):
    try:
        driver.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900", "--lang=nl"]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def submit(driver, button):
    """Clicks a form's button or a link and waits until the answer has replaced the page.

    A click returns as soon as the browser has taken it, not when the next page is there:
    reading `page_source` right after it may read the page the form was on. The old page's
    window gets a mark; a new document has a fresh window without it. Asking while the
    browser is between documents may itself fail (chromium: "Node with given id does not
    belong to the document", "no such execution context"), which only means "not yet".
    """
    driver.execute_script("window.omzienOldPage = true")
    button.click()

    def answered(d):
        try:
            return d.execute_script("return window.omzienOldPage === undefined && document.readyState === 'complete'")
        except WebDriverException:
            return False

    WebDriverWait(driver, 20, poll_frequency=0.05).until(answered, "the form's answer did not arrive within 20 s")


def login(driver, name):
    driver.get(URL + "/web/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form.login button"))


def logout(driver):
    submit(driver, driver.find_element(By.CSS_SELECTOR, "nav form button"))


def step(driver, state, outcome=None):
    form = driver.find_element(By.XPATH, f"//form[input[@name='state' and @value='{state}']]")
    if outcome:
        Select(form.find_element(By.NAME, "outcome")).select_by_value(outcome)
    submit(driver, form.find_element(By.TAG_NAME, "button"))


def main():
    driver = browser()
    try:
        # A page without a session sends the browser to the login page.
        driver.get(URL + "/web/inbox")
        check(driver.current_url == URL + "/web/login", "a page without a session redirects to the login page")
        # A wrong password: one message that does not say which field was wrong.
        driver.find_element(By.ID, "name").send_keys(WORKER)
        driver.find_element(By.ID, "password").send_keys("niet het wachtwoord")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form.login button"))
        check("gebruikersnaam of het wachtwoord klopt niet" in driver.page_source, "a failed login names neither field")

        login(driver, WORKER)
        check(driver.current_url == URL + "/web/inbox", "the worker lands in the inbox")
        cookie = next(c for c in driver.get_cookies() if c["name"] == "omzien_session")
        check(cookie["httpOnly"] and cookie.get("sameSite") == "Strict", "the session cookie is HttpOnly and SameSite=Strict")
        check(REFERRAL in driver.page_source, "the inbox lists the device's referral")
        driver.save_screenshot(os.path.join(SHOTS, "web-inbox.png"))

        submit(driver, driver.find_element(By.CSS_SELECTOR, f"a[href='/web/referrals/{REFERRAL}']"))
        note = driver.find_element(By.XPATH, "//dt[text()='Notitie van de winkel']/following-sibling::dd[1]")
        check(note.text == PAYLOAD, "the XSS payload in the note renders as text")
        check(no_alert(driver) and not driver.find_elements(By.CSS_SELECTOR, "main script, main img"), "no script ran, no element was injected")

        step(driver, "accepted")
        check("Opgeslagen: aangenomen" in driver.page_source, "accepted")
        step(driver, "contact-attempted")
        check("Opgeslagen: contact geprobeerd" in driver.page_source, "contact attempted")
        step(driver, "accepted")
        check("a referral never moves back" in driver.page_source, "a step back is refused with the API's words")
        step(driver, "closed", outcome="home-visit")
        check("Opgeslagen: afgesloten" in driver.page_source and "huisbezoek" in driver.page_source, "closed with an outcome")
        check(f"afgesloten door partner:" in driver.page_source, "the history names who closed it")
        driver.save_screenshot(os.path.join(SHOTS, "web-referral.png"))

        # A form whose CSRF token was taken out is refused.
        driver.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
        step(driver, "reopened")
        check("Formulier geweigerd" in driver.page_source, "a form without the CSRF token is refused")
        driver.get(URL + f"/web/referrals/{REFERRAL}")
        check("heropend door" not in driver.page_source, "and nothing changed")

        logout(driver)
        driver.get(URL + "/web/inbox")
        check(driver.current_url == URL + "/web/login", "after logout the inbox is behind the login again")

        login(driver, OTHER)
        check(driver.current_url == URL + "/web/inbox" and REFERRAL not in driver.page_source, "a worker of another region sees nothing of it")
        driver.get(URL + f"/web/referrals/{REFERRAL}")
        check("Niet gevonden" in driver.page_source and PAYLOAD not in driver.page_source, "not even by its id")
        logout(driver)

        login(driver, ANALYST)
        check(driver.current_url == URL + "/web/dashboard", "head office lands on the dashboard")
        sections = driver.find_elements(By.CSS_SELECTOR, "section.figuur")
        check(len(sections) == 5, f"the dashboard has five figures ({len(sections)})")
        for section in sections:
            figure = section.get_attribute("data-figure")
            svg = section.find_elements(By.CSS_SELECTOR, ".grafiek svg")
            check(len(svg) == 1 and svg[0].size["width"] > 0 and svg[0].size["height"] > 0, f"{figure}: a chart is drawn")
            check(len(section.find_elements(By.CSS_SELECTOR, ".tabel table tbody")) == 1, f"{figure}: a table beside it")
            links = [a.get_attribute("href") for a in section.find_elements(By.TAG_NAME, "a")]
            check(any(h and h.startswith(URL + f"/web/dashboard/{figure}/csv") for h in links), f"{figure}: a CSV download")
        check(no_alert(driver) and not driver.find_elements(By.CSS_SELECTOR, "main script"), "no script on the dashboard")
        driver.save_screenshot(os.path.join(SHOTS, "web-dashboard.png"))
    finally:
        driver.quit()
    print(f"browser: PASS {checks} checks")


if __name__ == "__main__":
    main()
